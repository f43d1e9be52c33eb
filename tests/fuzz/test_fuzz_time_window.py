"""``--from``/``--to`` of mcv report and mcv export: a window or one ``TimeError``, never a traceback."""

from __future__ import annotations

from fuzz_budget import budget, mutated, run_checked
from fuzz_targets import TARGETS
from hypothesis import given
from hypothesis import strategies as st

TARGET = TARGETS["time_window"]

amounts = st.sampled_from(["0", "1", "1.5", "9" * 12, "9" * 25, "1e400", ".5", "00"])
when = (st.builds(lambda sign, amount, unit: f"now{sign}{amount}{unit}", st.sampled_from(["-", "+", " - ", ""]),
                  amounts, st.sampled_from(["s", "m", "h", "d", "D", "y", ""]))
        | st.builds(lambda day, clock, zone: f"{day}{clock}{zone}",
                    st.sampled_from(["0001-01-01", "9999-12-31", "2026-11-29", "2026-02-30", "0000-01-01"]),
                    st.sampled_from(["", "T00:00", "T23:59:59.999999", " 12:00", "T24:00"]),
                    st.sampled_from(["", "Z", "z", "+14:00", "-14:00", "+23:59", "+24:00"]))
        | st.text(max_size=30))


@budget(200)
@given(when, when)
def test_typed_times_give_a_window_or_a_clear_error(start, end):
    run_checked(TARGET, f"{start}\n{end}".encode("utf-8", "surrogatepass"))


@budget(100)
@given(mutated(TARGET))
def test_mutated_times_give_a_window_or_a_clear_error(data):
    run_checked(TARGET, data)
