"""AT modem replies (Iridium SBD, cellular): a value or ``AtReplyError``, never anything else."""

from __future__ import annotations

from fuzz_budget import HOSTILE_NUMBERS, budget, mutated, run_checked
from fuzz_targets import TARGETS
from hypothesis import given
from hypothesis import strategies as st

TARGET = TARGETS["at_reply"]

numbers = st.sampled_from([str(n) for n in HOSTILE_NUMBERS if isinstance(n, int)] + ["", " ", "99", "65535", "007"])


@st.composite
def replies(draw) -> bytes:
    """A reply prefix with hostile numbers in its fields."""
    prefix = draw(st.sampled_from(["+CSQ:", "+CSQ: ", "+CSQF:", "+SBDIX: ", "+CREG: ", "+CME ERROR: ", ""]))
    values = draw(st.lists(numbers, min_size=1, max_size=7))
    separator = draw(st.sampled_from([",", ", ", ",,", " "]))
    return (prefix + separator.join(values) + draw(st.sampled_from(["", "\r", "\r\n", " "]))).encode()


@budget(150)
@given(st.binary(max_size=200) | st.text(max_size=150).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_random_replies_are_refused_or_read(data):
    run_checked(TARGET, data)


@budget(200)
@given(mutated(TARGET) | replies())
def test_near_valid_replies_are_refused_or_read(data):
    run_checked(TARGET, data)
