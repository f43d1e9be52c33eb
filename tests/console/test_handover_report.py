"""The after-action report's section on shifts and handovers, made from a store the duty desk wrote to."""

from datetime import timedelta, timezone
from html.parser import HTMLParser

from radios.duty_desk import duty_text
from radios.handover import open_items
from radios.report_data import gather
from radios.schema import DutyEntry, Event, Task
from radios.store import Store
from radios.store_reader import StoreReader, TimeWindow

from console.report import AfterActionReport, report_language

BEIJING = timezone(timedelta(hours=8))
HOSTILE = "</td><script>alert(1)</script>"


class Sections(HTMLParser):
    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.ids, self.tags, self.text = [], [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "h2":
            self.ids.append(dict(attrs).get("id"))

    def handle_data(self, data):
        self.text.append(data)


def test_handovers_get_their_own_section_with_notes_and_what_was_open(qapp, tmp_path):
    gate = Task(id="task-0001", ts="2024-05-01T06:00:00.000Z", src="console", task_kind="checkpoint",
                title="Bridge east end", lat=30.3, lon=120.1, units=["r1"], status="in_progress")
    entry = DutyEntry(id="duty-0001", ts="2024-05-01T07:00:00.000Z", src="console", action="handover",
                      seat="commander", person="Li Wei", next_person="Wang Fang", notes=f"北门 open {HOSTILE}")
    with Store(tmp_path / "mcv.sqlite3") as store:
        store.add_event(Event(id=entry.id, ts=entry.ts, src="gateway", category="duty", seat="commander",
                              text=duty_text(entry, open_items([], [gate], [])))).result(timeout=5)
        store.add_event(Event(id="note-0001", ts="2024-05-01T07:10:00.000Z", src="console", category="note",
                              text="an ordinary entry")).result(timeout=5)
    data = gather(StoreReader(tmp_path / "mcv.sqlite3"), TimeWindow.parse("2024-05-01T06:00Z", "2024-05-01T08:00Z"),
                  "rescue-7", "Rescue 7")
    assert [e.id for e in data.duty_entries] == ["duty-0001"]
    with report_language("en"):
        page = Sections(AfterActionReport(data, "en", BEIJING).html())
    assert page.ids[-1] == "handovers" and "Shifts and handovers" in page.text
    text = "\n".join(page.text)
    assert "Handover at the commander seat from Li Wei to Wang Fang." in text
    assert f"Notes: 北门 open {HOSTILE}" in text and "script" not in page.tags
    assert "- Task \u201cBridge east end\u201d: in progress, units r1" in text
    assert "2024-05-01 15:00:00" in text  # local (UTC+8) beside UTC


def test_a_window_without_handovers_has_no_such_section(qapp, tmp_path):
    with Store(tmp_path / "mcv.sqlite3") as store:
        store.add_event(Event(id="note-0001", ts="2024-05-01T07:10:00.000Z", src="console", category="note",
                              text="an ordinary entry")).result(timeout=5)
    data = gather(StoreReader(tmp_path / "mcv.sqlite3"), TimeWindow.parse("2024-05-01T06:00Z", "2024-05-01T08:00Z"),
                  "rescue-7", "Rescue 7")
    with report_language("en"):
        assert "handovers" not in Sections(AfterActionReport(data, "en", BEIJING).html()).ids
