"""Tasks through a real broker and gateway: created, assigned, moved on, kept across a restart, logged;
hostile input refused with a reason."""

import dataclasses
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import Recorder, RunningGateway, wait_until

from radios.schema import (
    MAX_TASK_TITLE_CHARS, CommandReply, PayloadError, Task, TaskUpdate, UnitState, decode, new_id,
)
from radios.store import Store
from radios.task_desk import TaskError, apply_update, describe_change

BRIDGE = (30.3215, 120.1610)  # lat, lon
AREA = [[120.160, 30.321], [120.162, 30.321], [120.162, 30.323], [120.160, 30.323]]


def update(task, **fields):
    fields.setdefault("seat", "commander")
    return TaskUpdate.create("console@seat1", task=task, **fields)


def ask(peer, topics, change) -> CommandReply:
    raw = change if isinstance(change, bytes) else change.encode()
    return decode(peer.bus.request_sync(topics.command("task"), raw, 5), CommandReply)


def report_units(peer, topics, store, *uids):
    for uid in uids:
        state = UnitState.create(f"bodycam-{uid}", uid=uid, unit_kind="responder", callsign=uid.upper(),
                                 lat=BRIDGE[0], lon=BRIDGE[1])
        peer.bus.publish(topics.unit(uid), state.encode(), retain=True).wait_for_publish(5)
    assert wait_until(lambda: {u.uid for u in store.units()} >= set(uids), 5)


def task_events(store):
    return [e for e in store.events_since(None) if e.category == "task"]


def test_a_task_is_created_assigned_moved_on_logged_and_kept_across_a_restart(broker, tmp_path):
    task_id = new_id()
    with RunningGateway(broker, tmp_path) as running:
        topics = running.gateway.topics
        with Recorder(broker, topics.all_tasks, "seat-2") as seat:
            report_units(seat, topics, running.store, "r1", "r2")
            created = ask(seat, topics, update(task_id, task_kind="search_area", title="North bank", area=AREA))
            assert created.ok, created.error
            task = Task.from_dict(created.item)
            assert (task.status, task.revision, task.seat) == ("open", 0, "commander")
            assert (round(task.lat, 3), round(task.lon, 3)) == (30.322, 120.161)  # the area's centre
            assigned = Task.from_dict(ask(seat, topics, update(task_id, units=["r1", "r2"], seat="comms")).item)
            assert (assigned.status, assigned.units, assigned.revision, assigned.updated_by) == (
                "assigned", ["r1", "r2"], 1, "comms")
            going = Task.from_dict(ask(seat, topics, update(task_id, status="in_progress")).item)
            assert going.status == "in_progress" and going.revision == 2
            same = ask(seat, topics, update(task_id, status="in_progress"))  # changes nothing, logs nothing
            assert Task.from_dict(same.item).revision == 2
            assert wait_until(lambda: [decode(p, Task).revision for p in seat.on(topics.task(task_id))][-1:] == [2], 5)
        texts = [e.text for e in task_events(running.store)]
        assert texts == ['Task created: search area \u201cNorth bank\u201d, open',
                         'Task search area \u201cNorth bank\u201d: assigned r1, r2; now assigned',
                         'Task search area \u201cNorth bank\u201d: now in progress']
        assert [e.seat for e in task_events(running.store)] == ["commander", "comms", "commander"]
    with RunningGateway(broker, tmp_path) as running:  # the same store: the task comes back and is retained again
        topics = running.gateway.topics
        assert running.store.task(task_id).status == "in_progress"
        with Recorder(broker, topics.all_tasks, "late-seat") as late:
            assert wait_until(lambda: {decode(p, Task).status for p in late.on(topics.task(task_id))}
                              == {"in_progress"}, 5)
            done = Task.from_dict(ask(late, topics, update(task_id, status="done", units=[])).item)
            assert (done.status, done.units, done.revision) == ("done", [], 3)  # an explicit status wins
        assert len(task_events(running.store)) == 4


def test_hostile_task_updates_are_refused_with_a_reason_and_nothing_is_lost(broker, tmp_path):
    kept_id = new_id()
    with RunningGateway(broker, tmp_path) as running:
        topics = running.gateway.topics
        with Recorder(broker, "none", "hostile") as peer:
            report_units(peer, topics, running.store, "r1")
            kept = ask(peer, topics, update(kept_id, task_kind="checkpoint", title="Bridge", lat=BRIDGE[0],
                                            lon=BRIDGE[1], units=["r1"]))
            assert kept.ok and Task.from_dict(kept.item).status == "assigned"
            good = update(new_id(), task_kind="checkpoint", title="x", lat=1.0, lon=2.0).to_dict()
            refusals = {
                "unknown payload kind": b'{"kind":"nonsense"}',
                "not UTF-8 JSON": b"\xff\xfe",
                "task_kind 'bunker'": json.dumps({**good, "task_kind": "bunker"}).encode(),
                f"at most {MAX_TASK_TITLE_CHARS} characters": json.dumps({**good, "title": "x" * 1000}).encode(),
                "outside the globe": json.dumps({**good, "lat": 95.0}).encode(),
                "[lon, lat] pair": json.dumps({**good, "task_kind": "search_area", "lat": None, "lon": None,
                                               "area": [[1, 2], [3, "x"], [5, 6]]}).encode(),
                "3 to 200 corners": json.dumps({**good, "task_kind": "search_area", "area": [[1, 2]]}).encode(),
                "is a point": json.dumps({**good, "area": AREA}).encode(),
                "not a number the bus accepts": json.dumps({**good, "lat": float("nan")}).encode(),
                "unknown fields": json.dumps({**good, "owner": "me"}).encode(),
                "no unit r9 is known": update(new_id(), task_kind="checkpoint", title="Gate", lat=1.0, lon=2.0,
                                              units=["r9"]).encode(),
                "give it a task_kind and a title": update(new_id(), title="Gate").encode(),
                "needs its place": update(new_id(), task_kind="evacuation_point", title="School").encode(),
                "stays one": update(kept_id, task_kind="search_area", area=AREA).encode(),
                "each unit once": json.dumps({**good, "units": ["r1", "r1"]}).encode(),
                "may not contain": json.dumps({**good, "task": "a/b"}).encode(),
            }
            for reason, raw in refusals.items():
                reply = ask(peer, topics, raw)
                assert not reply.ok and reason in reply.error, (reason, reply.error)
        assert running.store.count("tasks") == 1
        assert running.store.task(kept_id) == Task.from_dict(kept.item)
        assert len(task_events(running.store)) == 1
        assert running.gateway.bad_input.count("cmd/task") == 12  # the malformed ones; a person's mistakes are answered


def test_apply_update_rules_without_a_broker():
    now = "2026-11-29T10:00:00.000Z"
    point = apply_update(None, update("task-0001", task_kind="evacuation_point", title="School", lat=1.0, lon=2.0),
                         {"r1"}, now)
    assert (point.status, point.revision, point.updated) == ("open", 0, now)
    moved = apply_update(point, update("task-0001", lat=1.5, lon=2.5, units=["r1"]), {"r1"}, now)
    assert (moved.lat, moved.lon, moved.status, moved.revision) == (1.5, 2.5, "assigned", 1)
    assert describe_change(point, moved) == 'Task evacuation point \u201cSchool\u201d: moved; assigned r1; now assigned'
    released = apply_update(moved, update("task-0001", units=[]), set(), now)
    assert released.status == "open" and released.units == []
    still = apply_update(moved, update("task-0001", units=["r1"]), set(), now)  # a unit gone quiet stays assigned
    assert still is moved
    two = apply_update(moved, update("task-0001", units=["r1", "r2"]), {"r2"}, now)
    assert apply_update(two, update("task-0001", units=["r2", "r1"]), set(), now) is two  # order is no change
    with pytest.raises(TaskError, match="moves by its corners; send area"):
        area = apply_update(None, update("task-0002", task_kind="search_area", title="A", area=AREA), set(), now)
        apply_update(area, update("task-0002", lat=1.0, lon=2.0), set(), now)


def test_tasks_keep_one_revision_at_a_time_in_the_store(tmp_path):
    task = Task.create("console", task_kind="checkpoint", title="Gate", lat=1.0, lon=2.0)
    with Store(tmp_path / "s.sqlite3") as store:
        assert store.put_task(task).result(timeout=5)
        assert not store.put_task(task).result(timeout=5)  # the same revision again
        assert not store.put_task(dataclasses.replace(task, revision=2, status="done")).result(timeout=5)
        assert store.put_task(dataclasses.replace(task, revision=1, status="done")).result(timeout=5)
        assert [(t.id, t.status) for t in store.tasks()] == [(task.id, "done")]
        assert store.tasks("open") == [] and store.task("missing1") is None


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(["kind", "id", "ts", "src", "task", "seat", "task_kind", "title", "lat", "lon",
                                        "area", "units", "status", "x"]),
                       st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=70),
                                 st.lists(st.one_of(st.text(max_size=5), st.lists(st.floats(), max_size=3)),
                                          max_size=5),
                                 st.sampled_from(["task_update", "task", "search_area", "checkpoint", "done"])),
                       max_size=14).map(lambda d: json.dumps(d).encode()))
def test_decoding_any_json_as_a_task_gives_a_payload_or_a_payload_error(raw):
    for kind in (TaskUpdate, Task):
        try:
            item = decode(raw, kind)
        except PayloadError:
            continue
        assert decode(item.encode(), kind) == item
