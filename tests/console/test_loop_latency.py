"""The event-loop lateness probe: a blocked loop shows, figures are bounded, and the console writes them only when asked."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time

from PySide6.QtCore import QTimer
from support import reap, wait_for_line, write_config

from console.loop_latency import ENV_FILE, LoopLatencyProbe, probe_from_environment


def test_a_blocked_loop_shows_as_a_late_tick_and_ticks_go_on_after_it(qtbot):
    probe = LoopLatencyProbe(interval_ms=20)
    probe.start()
    try:
        qtbot.waitUntil(lambda: len(probe.samples()) >= 3, timeout=10000)
        QTimer.singleShot(0, lambda: time.sleep(0.3))  # a slot that holds the GUI thread for 300 ms
        qtbot.waitUntil(lambda: max(probe.samples()) >= 250, timeout=10000)
        blocked_at = probe.samples().index(max(probe.samples()))
        qtbot.waitUntil(lambda: len(probe.samples()) > blocked_at + 3, timeout=10000)
    finally:
        probe.stop()
    assert all(late >= 0 for late in probe.samples())


def test_take_hands_over_fresh_figures_once_and_memory_stays_bounded(qtbot):
    probe = LoopLatencyProbe(interval_ms=5, keep=4)
    probe.start()
    try:
        qtbot.waitUntil(lambda: len(probe.samples()) == 4, timeout=10000)
        qtbot.waitUntil(lambda: len(probe.take()) == 4, timeout=10000)  # more ticked than it keeps
        assert len(probe.samples()) == 4
    finally:
        probe.stop()
    assert not probe.is_running()
    probe.take()
    count = len(probe.samples())
    qtbot.wait(100)  # a stopped probe must not tick
    assert probe.take() == [] and len(probe.samples()) == count


def test_without_the_variable_no_probe_is_made(qapp):
    assert probe_from_environment(qapp, {}) is None
    assert probe_from_environment(qapp, {ENV_FILE: "  "}) is None


def test_with_the_variable_ticks_are_appended_as_json_lines_on_stop(qapp, qtbot, tmp_path):
    target = tmp_path / "latency.jsonl"
    probe = probe_from_environment(qapp, {ENV_FILE: str(target)})
    try:
        assert probe is not None and probe.is_running()
        qtbot.waitUntil(lambda: len(probe.samples()) >= 2, timeout=10000)
    finally:
        probe.stop()
        probe.deleteLater()
    records = [json.loads(line) for line in target.read_text().splitlines()]
    assert records and all(isinstance(record["t"], float) for record in records)
    assert sum(len(record["late_ms"]) for record in records) >= 2


def test_an_unwritable_file_is_said_once_and_the_probe_runs_on(qapp, qtbot, tmp_path, caplog):
    probe = probe_from_environment(qapp, {ENV_FILE: str(tmp_path)})  # a folder: open() fails
    try:
        with caplog.at_level(logging.WARNING, logger="console.loop_latency"):
            for _ in range(2):
                qtbot.waitUntil(lambda: len(probe.samples()) >= 1, timeout=10000)
                probe.stopped.emit()  # what stop() triggers: a flush
        qtbot.waitUntil(lambda: len(probe.samples()) >= 3, timeout=10000)
    finally:
        probe.stop()
        probe.deleteLater()
    warnings = [record.getMessage() for record in caplog.records]
    assert len(warnings) == 1 and str(tmp_path) in warnings[0] and ENV_FILE in warnings[0]


def test_a_console_process_writes_its_lateness_only_when_asked(broker, tmp_path):
    config_path = write_config(tmp_path, broker)
    target = tmp_path / "latency.jsonl"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", ENV_FILE: str(target)}
    console = subprocess.Popen([sys.executable, "-m", "console", "console", "--config", str(config_path),
                                "--seat", "comms", "--lang", "en"], env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_line(console.stderr, "local bus up")
        time.sleep(0.5)  # a few ticks to report, not an assertion
        console.send_signal(signal.SIGTERM)
        assert console.wait(10) == 0
    finally:
        reap(console)
    ticks = [late for line in target.read_text().splitlines() for late in json.loads(line)["late_ms"]]
    assert ticks and all(late >= 0 for late in ticks)
