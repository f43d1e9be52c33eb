"""The link state policy with plain numbers: no port, no clock."""

import pytest

from radios.link import (
    MIN_BAD_SCORE, REOPEN_FIRST_S, REOPEN_MAX_S, LinkPolicyState, LinkStatePolicy, LinkStatus, quiet_s_for,
)
from radios.schema import LinkState, decode

QUIET = 5.0


@pytest.fixture
def policy():
    return LinkStatePolicy(quiet_s=QUIET)


def run(policy, state, *steps):
    """Feed (event, time) pairs; return the final state and every state name passed through."""
    names = []
    for event, now in steps:
        state = policy.decide(state, event, now).state
        names.append(state.state)
    return state, names


def test_a_new_link_opens_at_once_and_is_up_on_its_first_good_message(policy):
    state = policy.initial(100.0)
    assert state.state == "connecting" and state.reopen_at == 100.0
    state, names = run(policy, state, ("opened", 100.0), ("tick", 100.5), ("data", 101.0))
    assert names == ["connecting", "connecting", "up"]
    assert state.reopen_at is None and state.is_open


def test_decide_says_when_the_state_changed(policy):
    state = policy.decide(policy.initial(0.0), "opened", 0.0).state
    first = policy.decide(state, "data", 1.0)
    again = policy.decide(first.state, "data", 2.0)
    assert first.changed and not again.changed


def test_a_vanished_device_is_down_at_once_and_reopened_soon(policy):
    state, _ = run(policy, policy.initial(0.0), ("opened", 0.0), ("data", 1.0))
    state = policy.decide(state, "error", 10.0).state
    assert state.state == "down" and state.reason == "error" and not state.is_open
    assert state.reopen_at == pytest.approx(10.0 + REOPEN_FIRST_S)


def test_reopen_backs_off_but_never_waits_longer_than_the_cap(policy):
    state = policy.initial(0.0)
    delays = []
    now = 0.0
    for _ in range(8):
        state = policy.decide(state, "error", now).state  # the open attempt failed
        delays.append(state.reopen_at - now)
        now = state.reopen_at
    assert delays[0] == pytest.approx(REOPEN_FIRST_S)
    assert delays == sorted(delays) and max(delays) == pytest.approx(REOPEN_MAX_S)
    assert REOPEN_MAX_S + 0.5 <= 2.0, "a device that reappears must be up within 2 s"


def test_the_backoff_starts_over_once_data_flows_again(policy):
    state = policy.initial(0.0)
    for now in range(5):
        state = policy.decide(state, "error", float(now)).state
    state, _ = run(policy, state, ("opened", 6.0), ("data", 6.1), ("closed", 7.0))
    assert state.reopen_at == pytest.approx(7.0 + REOPEN_FIRST_S)
    assert state.reason == "closed"


def test_a_silent_link_is_degraded_after_the_quiet_period_and_up_when_it_talks(policy):
    state, _ = run(policy, policy.initial(0.0), ("opened", 0.0), ("data", 1.0))
    state, names = run(policy, state, ("tick", 1.0 + QUIET - 0.1), ("tick", 1.0 + QUIET))
    assert names == ["up", "degraded"] and state.reason == "quiet"
    state = policy.decide(state, "data", 20.0).state
    assert state.state == "up"


def test_an_open_port_that_never_talks_is_degraded_too(policy):
    state, names = run(policy, policy.initial(0.0), ("opened", 0.0), ("tick", 1.0), ("tick", QUIET))
    assert names == ["connecting", "connecting", "degraded"]


def test_mostly_garbage_degrades_the_link_and_clean_input_recovers_it(policy):
    state, _ = run(policy, policy.initial(0.0), ("opened", 0.0), ("data", 0.1))
    now = 0.1
    for _ in range(int(MIN_BAD_SCORE) + 2):
        now += 0.1
        state = policy.decide(state, "bad_data", now).state
    assert state.state == "degraded" and state.reason == "bad_data"
    names = []
    for _ in range(60):
        now += 0.5
        state = policy.decide(state, "data", now).state
        names.append(state.state)
    assert names[-1] == "up"


def test_a_few_bad_lines_among_good_ones_keep_the_link_up(policy):
    state, _ = run(policy, policy.initial(0.0), ("opened", 0.0))
    now = 0.0
    for i in range(100):
        now += 0.1
        state = policy.decide(state, "bad_data" if i % 10 == 0 else "data", now).state
        assert i == 0 or state.state == "up"


def test_ticks_while_down_change_nothing(policy):
    state = policy.decide(policy.initial(0.0), "error", 0.0).state
    assert policy.decide(state, "tick", 5.0) == policy.decide(state, "tick", 5.0)
    assert policy.decide(state, "tick", 5.0).state.state == "down"


def test_unknown_events_are_refused(policy):
    with pytest.raises(ValueError, match="unknown link event"):
        policy.decide(LinkPolicyState(), "exploded", 0.0)


def test_a_gps_must_talk_more_often_than_a_radio():
    assert quiet_s_for("gps") < quiet_s_for("nmea")
    assert quiet_s_for(None) == quiet_s_for("something-else")


def test_link_status_becomes_a_valid_bus_payload():
    status = LinkStatus(link="radio-1", link_type="serial", state="up", detail="receiving",
                        bytes_in=400, messages_in=5, errors=1, last_seen=1_700_000_000.25)
    payload = decode(status.to_link_state("gateway").encode(), LinkState)
    assert (payload.link, payload.state, payload.messages_in, payload.errors) == ("radio-1", "up", 5, 1)
    assert payload.last_seen == "2023-11-14T22:13:20.250Z"
