"""PingPolicy: when to ping HQ and when its silence means the backhaul is gone."""

import pytest

from radios.backhaul_policy import KEEPALIVE_S, LOST, PING_INTERVAL_S, PING_TIMEOUT_S, SEND, PingPolicy


def test_loss_of_a_silent_link_is_declared_within_five_seconds():
    assert PING_INTERVAL_S + PING_TIMEOUT_S < 5 and 2 * KEEPALIVE_S < 5
    policy = PingPolicy()
    assert policy.decide(0.0) == SEND
    token = policy.sent(0.0)
    assert policy.echoed(token, 0.05) == pytest.approx(50)
    assert policy.decide(0.5) is None and policy.decide(1.0) == SEND
    policy.sent(1.0)  # never echoed
    assert policy.decide(1.0 + PING_TIMEOUT_S) is None
    assert policy.decide(1.01 + PING_TIMEOUT_S) == LOST
    assert policy.rtt_ms == pytest.approx(50)


def test_stale_and_foreign_echoes_are_ignored_and_reset_forgets():
    policy = PingPolicy()
    old = policy.sent(0.0)
    assert policy.echoed(b"other", 0.1) is None
    assert policy.echoed(old, 0.2) == pytest.approx(200)
    assert policy.echoed(old, 0.3) is None  # a duplicate echo
    policy.sent(1.0)
    policy.reset()
    assert policy.rtt_ms is None and policy.decide(1.1) == SEND
