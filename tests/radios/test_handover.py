"""The handover summary from a prepared store, and the duty log through a real broker and gateway."""

import dataclasses
import json

from hypothesis import given, settings
from hypothesis import strategies as st
from support import Recorder, RunningGateway

from radios.handover import HandoverSummary, open_items, summarize
from radios.schema import Alarm, CommandReply, DutyEntry, Message, Task, decode
from radios.store import Store


def prepare(store: Store) -> dict[str, str]:
    """Two alarms (one acknowledged), four tasks (two closed), five messages (two undelivered orders)."""
    sos = Alarm(id="alarm-0001", ts="2026-11-29T10:00:00.000Z", src="bodycam-r1", alarm_kind="sos",
                text="Rescue 1: SOS pressed", unit="r1")
    battery = Alarm(id="alarm-0002", ts="2026-11-29T10:01:00.000Z", src="gateway", alarm_kind="battery",
                    text="Drone 1 battery critical", unit="drone-1")
    for alarm in (sos, battery):
        assert store.add_alarm(alarm).result(timeout=5)
    assert store.settle_alarm(dataclasses.replace(battery, state="acknowledged", acknowledged_by="drone",
                                                  acknowledged_at="2026-11-29T10:02:00.000Z")).result(timeout=5)
    tasks = {status: Task(id=f"task-{status}", ts=f"2026-11-29T10:0{n}:00.000Z", src="console", task_kind="checkpoint",
                          title=f"Gate {status}", lat=30.3, lon=120.1, status=status,
                          units=["r2"] if status != "open" else [])
             for n, status in enumerate(("in_progress", "open", "done", "cancelled"))}
    for task in tasks.values():
        assert store.put_task(task).result(timeout=5)
    messages = [
        Message(id="order-queued", ts="2026-11-29T10:05:00.000Z", src="console", to="r2", text="Hold position",
                category="order"),
        Message(id="order-sent-1", ts="2026-11-29T10:04:00.000Z", src="console", to="all", text="Report status",
                category="order"),
        Message(id="order-deliv1", ts="2026-11-29T10:06:00.000Z", src="console", to="r1", text="Return",
                category="order"),
        Message(id="message-sent", ts="2026-11-29T10:07:00.000Z", src="console", to="r1", text="FYI",
                category="message"),
        Message(id="order-fromhq", ts="2026-11-29T10:08:00.000Z", src="hq", to="test-1", text="Send a drone",
                category="order", via="hq", state="delivered"),
    ]
    for message in messages:
        assert store.add_message_payload(message).result(timeout=5)
    for message_id, state in (("order-sent-1", "sent"), ("order-deliv1", "delivered"), ("message-sent", "sent")):
        assert store.message_state(message_id, state, "r1").result(timeout=5)
    return {"sos": sos.id}


def test_the_summary_lists_what_is_still_open_oldest_first(tmp_path):
    with Store(tmp_path / "s.sqlite3") as store:
        prepare(store)
        summary = summarize(store)
    assert [a.id for a in summary.alarms] == ["alarm-0001"]
    assert [t.id for t in summary.tasks] == ["task-in_progress", "task-open"]
    assert [(m.id, m.state) for m in summary.orders] == [("order-sent-1", "sent"), ("order-queued", "queued")]
    assert summary.counts == {"alarms": 1, "tasks": 2, "orders": 2} and not summary.is_clear
    text = summary.describe()
    assert text.splitlines()[0] == "Still open: 1 alarm(s), 2 task(s), 2 undelivered order(s)."
    assert "- Alarm SOS (r1): Rescue 1: SOS pressed" in text and "- Order to all (sent): Report status" in text
    assert "- Task \u201cGate in_progress\u201d: in progress, units r2" in text
    assert HandoverSummary.from_dict(json.loads(json.dumps(summary.to_dict()))) == dataclasses.replace(
        summary, totals=summary.counts)
    assert open_items([], [], []).describe().startswith("Nothing open")


def test_a_long_list_is_cut_for_the_bus_but_counted_whole():
    tasks = [Task(id=f"task-{n:04d}", ts="2026-11-29T10:00:00.000Z", src="c", task_kind="checkpoint",
                  title=f"Gate {n}", lat=1.0, lon=2.0) for n in range(120)]
    summary = open_items([], tasks, [])
    sent = summary.to_dict()
    assert len(sent["tasks"]) == 50 and sent["counts"]["tasks"] == 120
    back = HandoverSummary.from_dict(sent)
    assert back.counts["tasks"] == 120 and len(back.tasks) == 50
    assert "and 110 more" in back.describe()


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20)),
                    lambda inner: st.one_of(st.lists(inner, max_size=4),
                                            st.dictionaries(st.sampled_from(["alarms", "tasks", "orders", "counts",
                                                                             "id", "kind", "title"]), inner,
                                                            max_size=5)), max_leaves=20))
def test_a_summary_from_the_bus_never_fails_on_hostile_items(data):
    try:
        summary = HandoverSummary.from_dict(data)
    except ValueError:
        assert not isinstance(data, dict)
        return
    assert all(count >= 0 for count in summary.counts.values())
    summary.describe()


def duty(action, **fields):
    return DutyEntry.create("console@seat1", action=action, seat="commander", **fields)


def test_a_handover_is_logged_once_with_its_notes_and_what_is_open(broker, tmp_path):
    with RunningGateway(broker, tmp_path) as running:
        prepare(running.store)
        topics = running.gateway.topics
        handover = duty("handover", person="Li Wei", next_person="Wang Fang", notes="Bridge closed; 北门 open")
        with Recorder(broker, "none", "seat") as seat:
            preview = decode(seat.bus.request_sync(topics.command("duty"), duty("summary").encode(), 5), CommandReply)
            assert preview.ok and preview.item["event"] is None and preview.item["counts"] == {
                "alarms": 1, "tasks": 2, "orders": 2}
            for _ in range(2):  # a resend logs nothing new
                reply = decode(seat.bus.request_sync(topics.command("duty"), handover.encode(), 5), CommandReply)
                assert reply.ok and reply.item["event"] == handover.id
            start = decode(seat.bus.request_sync(topics.command("duty"), duty("shift_start", person="Wang Fang")
                                                 .encode(), 5), CommandReply)
            for raw in (b"{}", b"not json", json.dumps(
                    {**duty("handover").to_dict(), "action": "sleep"}).encode(),
                    json.dumps({**duty("handover").to_dict(), "person": "p" * 300}).encode()):
                refused = decode(seat.bus.request_sync(topics.command("duty"), raw, 5), CommandReply)
                assert not refused.ok and refused.error.startswith("duty entry refused: ")
        logged = [e for e in running.store.events_since(None) if e.category == "duty"]
        assert [e.id for e in logged] == [handover.id, start.item["event"]]
        text = logged[0].text
        assert text.startswith("Handover at the commander seat from Li Wei to Wang Fang.\n"
                               "Notes: Bridge closed; 北门 open\n"
                               "Still open: 1 alarm(s), 2 task(s), 2 undelivered order(s).")
        assert logged[0].seat == "commander" and logged[1].text.startswith("Shift started: Wang Fang on duty")
        assert running.store.search_events("北门", category="duty")[0].id == handover.id
        assert running.gateway.bad_input.count("cmd/duty") == 4
