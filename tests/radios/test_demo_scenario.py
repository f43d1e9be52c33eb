"""The demo's script: the timeline's arithmetic, what the seats' backhaul states add up to,
the worker cutting and restoring a real HQ mosquitto, and the report read from a real store."""

import json
import threading

import pytest
from support import wait_until

from radios.broker import broker_answers
from radios.demo_hq import DemoHq
from radios.demo_scenario import BackhaulWatch, ScenarioPlayed, ScenarioReport, ScenarioTimeline, ScenarioWorker
from radios.schema import Alarm, BackhaulState, Event
from radios.store import Store

BACKHAUL = "mcv/v1/demo-1/backhaul"


def test_a_run_without_duration_gets_the_outage_at_minute_two_and_the_sos_inside_it():
    plan = ScenarioTimeline.fitted(None)
    assert (plan.outage_at_s, plan.outage_for_s, plan.sos_at_s) == (120, 60, 150)
    assert plan.outage_at_s < plan.sos_at_s < plan.restore_at_s


def test_a_minute_long_run_gets_the_whole_scenario_with_time_left_to_drain():
    plan = ScenarioTimeline.fitted(60)
    assert (plan.outage_at_s, plan.outage_for_s, plan.sos_at_s) == (12, 21, 20.4)
    assert 60 - plan.restore_at_s >= 20


def test_a_short_run_keeps_the_default_plan_and_says_it_falls_after_the_end():
    plan = ScenarioTimeline.fitted(4)
    assert plan == ScenarioTimeline()
    lines = plan.lines(4)
    assert "cut at 120 s (after this run ends)" in lines[0]
    assert "at 150 s (after this run ends)" in lines[1]


def test_given_times_win_over_the_fitted_ones_and_negative_times_are_refused():
    plan = ScenarioTimeline.fitted(60, outage_at_s=5, sos_at_s=0)
    assert (plan.outage_at_s, plan.outage_for_s, plan.sos_at_s) == (5, 21, 0)
    with pytest.raises(ValueError, match=r"--outage-for -1 is not a time in the demo; give seconds, 0 or more"):
        ScenarioTimeline.fitted(None, outage_for_s=-1)
    with pytest.raises(ValueError, match=r"--sos-at nan"):
        ScenarioTimeline.fitted(None, sos_at_s=float("nan"))


def state(name: str, backlog: int = 0, draining: bool = False, delivered: int = 0, by=()) -> BackhaulState:
    return BackhaulState.create("gateway", state=name, backlog=backlog, draining=draining, delivered=delivered,
                                backlog_by_priority=[list(pair) for pair in by])


def test_the_watch_keeps_the_peak_backlog_and_times_the_drain_from_the_return():
    watch = BackhaulWatch()
    watch.on_state(state("up"), 0.0)
    assert not watch.drained, "an uplink that never went down has nothing to drain"
    watch.on_state(state("down", 4, by=[("alarm", 1), ("position", 3)]), 1.0)
    watch.on_state(state("down", 9, by=[("alarm", 1), ("position", 8)]), 2.0)
    watch.on_state(state("down", 2), 2.5)  # compaction shrank it: the peak stays
    watch.on_state(state("up", 6, draining=True, delivered=4), 10.0)
    assert watch.back_up and not watch.drained
    watch.on_state(state("up", 0, draining=False, delivered=11), 12.5)
    assert (watch.peak_backlog, watch.peak_by_priority) == (9, [["alarm", 1], ["position", 8]])
    assert (watch.drained, watch.drained_items, watch.drain_s) == (True, 11, 2.5)


class Hq:
    """Just enough of DemoHq for the worker's bus handling: nothing is started."""

    def __init__(self):
        self.broker = None


@pytest.mark.parametrize("payload", [
    b"", b"\xff\xfe not utf-8", b"[]", b"null", b'{"kind": "backhaul"}',
    json.dumps({"kind": "backhaul", "id": "x" * 32, "ts": "2026-01-01T00:00:00Z", "src": "g",
                "state": "sideways"}).encode(),
    b"[" * 100_000,
])
def test_malformed_backhaul_states_are_ignored(payload):
    worker = ScenarioWorker(ScenarioTimeline(), Hq(), BACKHAUL, raise_sos=lambda: None)
    worker.on_bus_message(BACKHAUL, payload, retained=False)
    assert worker.watched() == BackhaulWatch()


def test_only_the_backhaul_topic_is_watched():
    worker = ScenarioWorker(ScenarioTimeline(), Hq(), BACKHAUL, raise_sos=lambda: None)
    worker.on_bus_message("mcv/v1/demo-1/event", state("down", 3).encode(), retained=False)
    assert worker.watched().peak_backlog == 0
    worker.on_bus_message(BACKHAUL, state("down", 3).encode(), retained=False)
    assert worker.watched().peak_backlog == 3


@pytest.mark.broker
def test_the_worker_cuts_and_restores_hq_and_hq_outlives_the_last_step(tmp_path):
    hq = DemoHq(tmp_path / "hq", "demo-1").start()
    port = hq.broker.port
    sos = threading.Event()
    said = []
    worker = ScenarioWorker(ScenarioTimeline(outage_at_s=0.3, outage_for_s=1.0, sos_at_s=0.6), hq, BACKHAUL,
                            raise_sos=sos.set, say=said.append)
    worker.start()
    try:
        assert wait_until(lambda: not broker_answers("127.0.0.1", port, 0.1), 5), "HQ was not cut"
        assert sos.wait(5) and wait_until(lambda: worker.sos_raised, 2)
        assert wait_until(lambda: broker_answers("127.0.0.1", port, 0.1), 5), "HQ was not restored"
        # the broker restarted on the worker's thread dies with that thread: the thread must stay
        assert not wait_until(lambda: not broker_answers("127.0.0.1", port, 0.1), 1.5), "HQ died after the restore"
        assert [line.split(":")[1].split()[0] for line in said] == ["cutting", "Rescue", "restoring"]
    finally:
        worker.stop()
        hq.close()


def test_the_report_counts_an_event_neither_at_hq_nor_in_the_outbox_as_lost(tmp_path):
    hq = DemoHq(tmp_path / "hq", "demo-1")  # never started: HQ received nothing
    down = Event.create("gateway", category="link", severity="warning", text="Backhaul to HQ down: refused")
    up = Event.create("gateway", category="link", text="Backhaul to HQ restored after 21 s; 9 queued items")
    lost = Event.create("sim", category="note", text="never queued for HQ")
    alarm = Alarm.create("bodycam-r2", alarm_kind="sos", unit="r2", text="Rescue 2: SOS pressed")
    with Store(tmp_path / "vehicle.sqlite3") as store:
        for event in (down, up, lost):
            assert store.add_event(event).result(5)
        assert store.add_alarm(alarm).result(5)
        for event in (down, up):
            assert store.outbox_put(event.id, 2, "mcv/v1/demo-1/event", event.encode()).result(5)
        report = ScenarioReport.read(store, hq, BackhaulWatch(), ScenarioTimeline(),
                                     ScenarioPlayed(cut=True, restored_ago_s=30.0, sos=True))
    hq.close()
    assert (report.outage_start, report.outage_end) == (down.ts, up.ts)
    assert (report.events_stored, report.outbox_left, report.events_missing) == (3, 2, 1)
    assert not report.nothing_lost
    assert report.sos_at == alarm.ts and not report.sos_at_hq and not report.sos_ok
    assert not report.outage_ok, "no backlog was seen draining"
    text = "\n".join(report.lines())
    assert "1 MISSING" in text and "NOT DRAINED" in text and "NOT AT HQ" in text


def test_a_drain_smaller_than_the_peak_says_positions_were_compacted():
    watch = BackhaulWatch()
    watch.on_state(state("down", 2039), 0.0)
    watch.on_state(state("up", 600, draining=True, delivered=37), 1.0)
    watch.on_state(state("up", 0, delivered=637), 2.0)
    report = ScenarioReport(outage_start="a", outage_end="b", watch=watch, sos_at=None, sos_at_hq=False,
                            sos_by_satellite=False, hq_items=0, hq_duplicates_dropped=0, events_stored=0,
                            events_missing=0, missing_texts=(), outbox_left=0, expected=ScenarioTimeline(),
                            played=ScenarioPlayed(cut=True, restored_ago_s=30.0, sos=False))
    drained = next(line for line in report.lines() if line.startswith("backlog drained"))
    assert "637 items in 1.0 s" in drained and "compacted" in drained
    assert report.outage_ok and report.sos_ok and report.nothing_lost


def report_after(played: ScenarioPlayed, watch: BackhaulWatch, outage_end: str | None = None,
                 sos_at_hq: bool = False) -> ScenarioReport:
    return ScenarioReport(outage_start="t0", outage_end=outage_end, watch=watch, sos_at="t1", sos_at_hq=sos_at_hq,
                          sos_by_satellite=True, hq_items=0, hq_duplicates_dropped=0, events_stored=1,
                          events_missing=0, missing_texts=(), outbox_left=1, expected=ScenarioTimeline(),
                          played=played)


def test_a_run_stopped_during_the_outage_is_judged_on_what_it_played():
    watch = BackhaulWatch()
    watch.on_state(state("down", 40), 0.0)
    stopped_while_down = report_after(ScenarioPlayed(cut=True, restored_ago_s=None, sos=True), watch)
    assert stopped_while_down.outage_ok and stopped_while_down.sos_ok, "the backlog waits in the outbox: not a fault"
    assert "(still down at the end)" in "\n".join(stopped_while_down.lines())
    assert "waiting in the outbox" in "\n".join(stopped_while_down.lines())
    just_restored = report_after(ScenarioPlayed(cut=True, restored_ago_s=2.0, sos=True), watch, outage_end="t2")
    assert just_restored.outage_ok and just_restored.sos_ok
    assert "not yet (the run ended 2 s after the restore)" in "\n".join(just_restored.lines())
    long_after = report_after(ScenarioPlayed(cut=True, restored_ago_s=40.0, sos=True), watch, outage_end="t2")
    assert not long_after.outage_ok and not long_after.sos_ok, "40 s is time enough to drain and deliver the SOS"


def test_nothing_played_is_nothing_to_judge():
    report = report_after(ScenarioPlayed(cut=False, restored_ago_s=None, sos=False), BackhaulWatch())
    assert report.outage_ok and report.sos_ok
    assert any("none in this run (planned at 120 s" in line for line in report.lines())
