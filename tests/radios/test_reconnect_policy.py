"""Reconnect backoff, decided without sockets."""

import pytest

from radios.reconnect_policy import MAX_DELAY_S, ReconnectPolicy, ReconnectState


def test_delays_double_up_to_the_cap():
    policy, state, delays = ReconnectPolicy(), ReconnectState(), []
    for second in range(12):
        decision = policy.decide(state, "failed", now=float(second))
        state = decision.state
        delays.append(decision.delay_s)
    assert delays[:4] == [0.5, 1.0, 2.0, 4.0]
    assert max(delays) == MAX_DELAY_S


def test_a_connection_that_held_starts_the_backoff_over():
    policy = ReconnectPolicy()
    state = ReconnectState(failures=6)
    state = policy.decide(state, "connected", now=100.0).state
    assert policy.decide(state, "lost", now=100.0 + policy.stable_after_s).delay_s == policy.first_delay_s


def test_a_connection_that_flapped_keeps_backing_off():
    policy = ReconnectPolicy()
    state = ReconnectState(failures=3)
    state = policy.decide(state, "connected", now=100.0).state
    assert policy.decide(state, "lost", now=101.0).delay_s == policy.first_delay_s * 8


def test_staying_connected_means_no_delay():
    decision = ReconnectPolicy().decide(ReconnectState(), "connected", now=0.0)
    assert decision.delay_s is None and decision.state.connected_at == 0.0


def test_unknown_event_is_an_error():
    with pytest.raises(ValueError):
        ReconnectPolicy().decide(ReconnectState(), "exploded", now=0.0)
