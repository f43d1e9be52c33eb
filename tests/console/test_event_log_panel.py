"""The event log panel against a real broker and gateway: search, filters and corrections."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog
from support import RunningGateway, wait_until

from console.app import build_console
from console.event_log_model import EventLogModel
from radios.schema import Event

ENTRIES = [
    ("situation", "warning", "Water 0.4 m at Gongchen Bridge underpass"),
    ("order", "info", "Pump team to Gongchen Bridge"),
    ("situation", "info", "拱宸桥下穿通道积水 0.4 米"),
    ("safety", "alarm", "SOS from Rescue 2"),
]


@pytest.fixture
def panel(broker, tmp_path, qtbot):
    with RunningGateway(broker, tmp_path) as running:
        for category, severity, text in ENTRIES:
            running.gateway.record(Event.create("test", category=category, severity=severity, text=text))
        console = build_console(running.config, "commander", "en")
        qtbot.addWidget(console.window)
        console.bus.start()
        panel = console.window.event_log
        qtbot.waitUntil(lambda: panel.model.rowCount() >= len(ENTRIES), timeout=5000)
        panel.running = running
        yield panel
        console.stop()


def shown(panel):
    return [panel.table.model().index(row, 5).data() for row in range(panel.table.model().rowCount())]


def test_search_finds_chinese_and_english_through_the_gateway(panel, qtbot):
    panel.search.setText("下穿通道")
    qtbot.keyClick(panel.search, Qt.Key_Return)
    qtbot.waitUntil(lambda: shown(panel) == ["拱宸桥下穿通道积水 0.4 米"], timeout=5000)
    assert "1" in panel.search_status.text() and panel.show_all.isVisibleTo(panel)
    panel.search.setText("gongchen")
    panel.run_search()
    qtbot.waitUntil(lambda: len(shown(panel)) == 2, timeout=5000)
    panel.show_timeline()
    assert len(shown(panel)) >= len(ENTRIES)


def test_filters_narrow_the_timeline(panel):
    panel.severity_filter.setCurrentIndex(panel.severity_filter.findData("alarm"))
    assert shown(panel) == ["SOS from Rescue 2"]
    panel.severity_filter.setCurrentIndex(0)
    panel.category_filter.setCurrentIndex(panel.category_filter.findData("situation"))
    assert set(shown(panel)) == {ENTRIES[0][2], ENTRIES[2][2]}


def test_a_correction_is_stored_as_a_new_entry_and_strikes_the_old_one(panel, qtbot, monkeypatch):
    model = panel.model
    row = next(r for r in range(model.rowCount()) if model.event_at(r).text == "Pump team to Gongchen Bridge")
    original = model.event_at(row)
    monkeypatch.setattr(QInputDialog, "getMultiLineText",
                        lambda *args, **kwargs: ("Pump team to Gongchen Bridge north ramp", True))
    correction = panel.correct(original)
    assert correction.corrects == original.id
    assert model.index(row, 5).data(Qt.FontRole).strikeOut()
    assert "north ramp" in model.index(row, 5).data(Qt.ToolTipRole)
    store = panel.running.store
    assert wait_until(lambda: any(e.corrects == original.id for e in store.events_since(None)), 5)
    assert any(e.id == original.id and e.text == "Pump team to Gongchen Bridge" for e in store.events_since(None))


def test_model_shows_each_event_once_and_in_time_order(qapp):
    model = EventLogModel()
    later = Event.create("t", category="note", text="later")
    earlier = Event(id="0" * 32, ts="2000-01-01T00:00:00.000Z", src="t", category="note", text="earlier")
    for event in (later, earlier, later):
        model.add(event)
    assert [model.event_at(r).text for r in range(model.rowCount())] == ["earlier", "later"]


def test_a_tile_snapshot_is_logged_with_its_file(broker, tmp_path, qtbot):
    stream = '\n[[streams]]\nid = "mast-1"\nname = "Vehicle mast camera"\nkind = "mast"\nurl = "rtsp://127.0.0.1:9/mast"\n'
    with RunningGateway(broker, tmp_path, extra=stream) as running:
        console = build_console(running.config, "commander", "en")
        qtbot.addWidget(console.window)
        console.bus.start()
        try:
            qtbot.waitUntil(lambda: console.bus.state == "up", timeout=5000)
            console.window.video_wall.tiles["mast-1"].snapshot_saved.emit("/data/snapshots/mast-1.png")
            assert wait_until(lambda: any(e.category == "snapshot" and "mast-1.png" in e.text
                                          for e in running.store.events_since(None)), 5)
        finally:
            console.stop()
