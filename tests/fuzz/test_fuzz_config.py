"""The TOML config file, bent line by line: a ``Config`` or one ``ConfigError``, never a traceback."""

from __future__ import annotations

from fuzz_budget import budget, mutated, run_checked
from fuzz_targets import TARGETS
from hypothesis import given
from hypothesis import strategies as st

TARGET = TARGETS["config"]

toml_values = st.sampled_from([
    '""', '"\\u0000"', '"\\uD800"', "'''\n'''", "0", "-1", "9223372036854775807", "99999999999999999999", "1e400",
    "inf", "nan", "-0.0", "true", "[]", "[[]]", "{}", "{ a = 1 }", "1979-05-27T07:32:00Z", "07:32:00", "0x7f",
    '"mqtt://u:p@127.0.0.1:99999"', '"udpin:0.0.0.0:0"', '"udp://[::1"', '"tcp://:0"', '"/dev/null,abc"',
    '"' + "a" * 300 + '"', '"../../etc/passwd"', '"~nobody/x"', '"\\\\\\\\?\\\\x"', '"rtsp://[::1]:8554/a b"',
])


@st.composite
def values_changed(draw) -> bytes:
    """A valid config with the values of some ``key = value`` lines replaced by hostile ones."""
    lines = draw(st.sampled_from(TARGET.seeds()[:2])).decode().split("\n")
    settable = [i for i, line in enumerate(lines) if "=" in line and not line.lstrip().startswith("#")]
    for _ in range(draw(st.integers(1, 3))):
        index = draw(st.sampled_from(settable))
        key = lines[index].split("=", 1)[0]
        if draw(st.booleans()):
            lines[index] = f"{key}= {draw(toml_values)}"
        else:
            lines.insert(index, draw(st.sampled_from(["[[links]]", "[broker]", "[vehicle]", "[[streams]]",
                                                      "[maps]", "[video]", "[uplink]", "x = 1", "[links]"])))
    return "\n".join(lines).encode("utf-8", "surrogatepass")


@budget(60)
@given(st.binary(max_size=200))
def test_random_bytes_as_a_config_file_are_refused_clearly(data):
    run_checked(TARGET, data)


@budget(100)
@given(mutated(TARGET))
def test_a_mutated_config_file_is_read_or_refused_clearly(data):
    run_checked(TARGET, data)


@budget(120)
@given(values_changed())
def test_a_config_file_with_hostile_values_is_read_or_refused_clearly(data):
    run_checked(TARGET, data)
