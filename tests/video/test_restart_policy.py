"""RestartPolicy: liveness and reconnect decisions, driven by plain timestamps."""

from __future__ import annotations

import pytest

from video.health import StreamState
from video.restart_policy import (
    BACKOFF_CAP_S,
    BACKOFF_INITIAL_S,
    REFUSED_RETRY_S,
    SIGNAL_LOST_AFTER_S,
    STABLE_AFTER_S,
    STALL_RECONNECT_AFTER_S,
    Action,
    AttemptStarted,
    Decision,
    Event,
    FrameDecoded,
    Link,
    RestartPolicy,
    RestartState,
    SessionFailed,
    SessionOpened,
    SourceEnded,
    StopRequested,
    Tick,
)

POLICY = RestartPolicy()


class Clocked:
    """Feeds events to the policy and keeps its state, like the ingest worker does."""

    def __init__(self, policy: RestartPolicy = POLICY, start: float = 100.0) -> None:
        self.policy = policy
        self.state = RestartState.initial(start)

    def feed(self, event: Event) -> Decision:
        decision = self.policy.decide(self.state, event)
        self.state = decision.state
        return decision

    def play(self, at: float, until: float, fps: float = 25.0) -> None:
        """Connect at ``at`` and decode frames until ``until``."""
        self.feed(AttemptStarted(at))
        self.feed(SessionOpened(at))
        t = at
        while t <= until:
            assert self.feed(FrameDecoded(t)).action is Action.KEEP
            t += 1 / fps


def test_first_frame_means_playing():
    run = Clocked()
    run.feed(AttemptStarted(100.0))
    assert run.state.link is Link.OPENING and run.state.phase is StreamState.CONNECTING
    run.feed(SessionOpened(100.2))
    decision = run.feed(FrameDecoded(101.3))
    assert decision.action is Action.KEEP
    assert run.state.phase is StreamState.PLAYING
    assert run.state.reconnects == 0


def test_no_frame_for_the_limit_marks_signal_lost_once():
    run = Clocked()
    run.play(100.0, 105.0)
    last = run.state.last_frame_at
    assert run.feed(Tick(last + SIGNAL_LOST_AFTER_S - 0.01)).action is Action.KEEP
    assert run.feed(Tick(last + SIGNAL_LOST_AFTER_S)).action is Action.MARK_SIGNAL_LOST
    assert run.state.phase is StreamState.SIGNAL_LOST
    assert run.feed(Tick(last + SIGNAL_LOST_AFTER_S + 0.2)).action is Action.KEEP


def test_a_stream_that_never_plays_is_lost_after_the_limit_from_start():
    run = Clocked(start=0.0)
    run.feed(AttemptStarted(0.0))  # hangs in the handshake
    assert run.feed(Tick(2.9)).action is Action.KEEP
    assert run.feed(Tick(3.0)).action is Action.MARK_SIGNAL_LOST


def test_failure_reconnects_with_growing_capped_backoff():
    run = Clocked(start=0.0)
    delays = []
    now = 0.0
    for _ in range(8):
        run.feed(AttemptStarted(now))
        decision = run.feed(SessionFailed(now + 0.01, "refused"))
        assert decision.action is Action.RECONNECT
        delays.append(decision.delay_s)
        now = decision.state.retry_at
    assert delays[0] == BACKOFF_INITIAL_S
    assert all(later >= earlier for earlier, later in zip(delays, delays[1:]))
    assert delays[1] == pytest.approx(2 * BACKOFF_INITIAL_S)
    assert max(delays) == BACKOFF_CAP_S
    assert run.state.reconnects == 7
    assert run.state.last_error == "refused"


def test_a_refusal_is_asked_again_only_after_the_slow_retry_and_a_camera_back_is_fast_again():
    run = Clocked(start=0.0)
    run.feed(AttemptStarted(0.0))
    decision = run.feed(SessionFailed(0.05, "wrong password", refused=True))
    assert decision.action is Action.RECONNECT
    assert decision.delay_s == REFUSED_RETRY_S > 10 * BACKOFF_CAP_S
    assert run.state.last_error == "wrong password"
    run.feed(AttemptStarted(decision.state.retry_at))
    assert run.feed(SessionFailed(decision.state.retry_at + 0.01, "refused the connection")).delay_s <= BACKOFF_CAP_S


def test_failure_soon_after_play_is_reconnecting_then_lost():
    run = Clocked(start=0.0)
    run.play(0.0, 2.0)
    decision = run.feed(SourceEnded(2.05))
    assert decision.action is Action.RECONNECT
    assert run.state.phase is StreamState.RECONNECTING
    assert run.state.last_error == "the source ended the stream"
    run.feed(AttemptStarted(2.2))
    run.feed(SessionFailed(2.21, "refused"))
    assert run.state.phase is StreamState.RECONNECTING
    assert run.feed(Tick(2.0 + SIGNAL_LOST_AFTER_S)).action is Action.MARK_SIGNAL_LOST
    # Failures after that keep it lost rather than flicking back to "reconnecting".
    run.feed(AttemptStarted(5.5))
    run.feed(SessionFailed(5.51, "refused"))
    assert run.state.phase is StreamState.SIGNAL_LOST


def test_picture_back_means_playing_and_counts_the_reconnect():
    run = Clocked(start=0.0)
    run.play(0.0, 1.0)
    run.feed(SourceEnded(1.1))
    run.play(1.3, 2.0)
    assert run.state.phase is StreamState.PLAYING
    assert run.state.reconnects == 1


def test_stable_play_resets_the_backoff():
    run = Clocked(start=0.0)
    for n in range(5):
        run.feed(AttemptStarted(float(n)))
        run.feed(SessionFailed(n + 0.01, "refused"))
    assert run.feed(AttemptStarted(6.0)).state.failures == 5
    run.feed(SessionOpened(6.0))
    run.feed(FrameDecoded(6.1))
    run.feed(FrameDecoded(6.1 + STABLE_AFTER_S / 2))
    assert run.state.failures == 5  # not stable yet
    run.feed(FrameDecoded(6.1 + STABLE_AFTER_S))
    assert run.state.failures == 0
    assert run.feed(SourceEnded(20.0)).delay_s == BACKOFF_INITIAL_S


def test_unstable_play_keeps_the_backoff_growing():
    run = Clocked(start=0.0)
    delays = []
    now = 0.0
    for _ in range(4):
        run.play(now, now + 1.0)  # a flapping camera: a second of picture, then gone
        decision = run.feed(SourceEnded(now + 1.05))
        delays.append(decision.delay_s)
        now = decision.state.retry_at
    assert delays == sorted(delays) and delays[-1] > delays[0]


def test_connected_without_picture_is_reopened():
    run = Clocked(start=0.0)
    run.play(0.0, 1.0)
    assert run.feed(Tick(1.0 + STALL_RECONNECT_AFTER_S - 0.1)).action is Action.MARK_SIGNAL_LOST
    decision = run.feed(Tick(1.0 + STALL_RECONNECT_AFTER_S))
    assert decision.action is Action.RECONNECT
    assert run.state.link is Link.IDLE
    assert "no picture" in run.state.last_error


def test_failure_of_a_session_already_given_up_changes_nothing():
    run = Clocked(start=0.0)
    run.play(0.0, 1.0)
    given_up = run.feed(Tick(1.0 + STALL_RECONNECT_AFTER_S)).state
    decision = run.feed(SessionFailed(9.5, "read timed out"))
    assert decision.action is Action.KEEP
    assert decision.state == given_up


def test_a_slow_handshake_is_not_a_stall():
    run = Clocked(start=0.0)
    run.feed(AttemptStarted(0.0))
    decision = run.feed(Tick(STALL_RECONNECT_AFTER_S + 1))
    assert decision.action is Action.MARK_SIGNAL_LOST  # lost, but the open keeps its own timeout
    assert run.feed(Tick(STALL_RECONNECT_AFTER_S + 2)).action is Action.KEEP


def test_frames_from_a_session_not_open_are_ignored():
    run = Clocked(start=0.0)
    before = run.state
    assert run.feed(FrameDecoded(0.5)).state == before


def test_stop_is_final():
    run = Clocked(start=0.0)
    run.play(0.0, 1.0)
    assert run.feed(StopRequested(1.5)).action is Action.STOP
    assert run.state.phase is StreamState.STOPPED
    for event in (Tick(9.0), SessionFailed(9.0, "x"), AttemptStarted(9.0), FrameDecoded(9.0), StopRequested(9.0)):
        assert run.feed(event).action is Action.KEEP
        assert run.state.phase is StreamState.STOPPED


def test_custom_parameters():
    policy = RestartPolicy(signal_lost_after_s=1.0, backoff_initial_s=1.0, backoff_cap_s=4.0)
    assert [policy.backoff(n) for n in range(5)] == [1.0, 2.0, 4.0, 4.0, 4.0]
    run = Clocked(policy, start=0.0)
    run.feed(AttemptStarted(0.0))
    assert run.feed(Tick(1.0)).action is Action.MARK_SIGNAL_LOST


def test_unknown_event_is_a_programming_error():
    with pytest.raises(TypeError):
        POLICY.decide(RestartState.initial(0.0), Event(1.0))
