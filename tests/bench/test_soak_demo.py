"""The soak's figures: ticks read back from the console's file (damaged lines refused), quantiles and minutes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from soak_demo import per_minute, percentile, read_ticks  # noqa: E402


def test_percentile_by_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 50.0
    assert percentile(values, 0.99) == 99.0
    assert percentile(values, 1.0) == 100.0
    assert percentile([7.0], 0.99) == 7.0
    assert percentile([], 0.5) == 0.0


def test_ticks_are_placed_back_from_each_line_by_interval_plus_lateness(tmp_path):
    path = tmp_path / "latency.jsonl"
    path.write_text(json.dumps({"t": 1000.0, "late_ms": [0.0, 400.0, 0.0]}) + "\n")
    ticks = read_ticks(path, begun=990.0)
    assert [late for _, late in ticks] == [0.0, 400.0, 0.0]
    assert [round(t, 3) for t, _ in ticks] == [9.4, 9.9, 10.0]  # the 400 ms late tick came 500 ms after the first


@pytest.mark.parametrize("line", [
    "", "not json", "{", "[]", "null", '"text"', "{}", '{"t": 5}', '{"late_ms": [1]}',
    '{"t": "soon", "late_ms": [1]}', '{"t": 5, "late_ms": "abc"}', '{"t": 5, "late_ms": 3}',
    '{"t": 5, "late_ms": [null]}', '{"t": 5, "late_ms": [{"a": 1}]}', '{"t": 5, "late_ms": [-1]}',
    '{"t": NaN, "late_ms": [1]}', '{"t": 5, "late_ms": [Infinity]}', '{"t": 1e999, "late_ms": [1]}',
    '{"t": 5, "late_ms": [1' + ", 1" * 10 + "",  # cut mid-write
])
def test_a_damaged_line_is_skipped_and_counted_and_the_rest_is_kept(tmp_path, capsys, line):
    path = tmp_path / "latency.jsonl"
    path.write_text(json.dumps({"t": 70.0, "late_ms": [2.0]}) + "\n" + line + "\n")
    assert read_ticks(path, begun=0.0) == [(70.0, 2.0)]
    if line:
        assert "skipped 1 unreadable line(s)" in capsys.readouterr().err


def test_bytes_that_are_not_utf8_and_a_missing_file_give_no_ticks(tmp_path):
    path = tmp_path / "latency.jsonl"
    path.write_bytes(b"\xff\xfe\x00garbage\n")
    assert read_ticks(path, begun=0.0) == []
    assert read_ticks(tmp_path / "absent.jsonl", begun=0.0) == []


def test_per_minute_summarises_each_minute_and_an_empty_one_reads_zero():
    ticks = [(10.0, 1.0), (20.0, 3.0), (50.0, 100.0), (70.0, 5.0)]
    rows = per_minute(ticks, 3)
    assert rows[0] == {"minute": 1, "ticks": 3, "p50_ms": 3.0, "p99_ms": 100.0, "max_ms": 100.0}
    assert rows[1] == {"minute": 2, "ticks": 1, "p50_ms": 5.0, "p99_ms": 5.0, "max_ms": 5.0}
    assert rows[2] == {"minute": 3, "ticks": 0, "p50_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0}
