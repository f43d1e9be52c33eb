"""Whole-system smoke tests: real processes, started and stopped as on a vehicle."""

import os
import signal
import subprocess
import sys

from PySide6.QtCore import Qt
from support import Recorder, reap, wait_for_line, wait_until, write_config

from console.app import build_console
from radios.config import load_config
from radios.store import Store


def mcv(*args, **kwargs):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.Popen([sys.executable, "-m", "console", *args], env=env, stdin=subprocess.DEVNULL, **kwargs)


def test_entry_typed_in_a_console_is_stored_by_the_gateway_process(broker, tmp_path, qtbot):
    config_path = write_config(tmp_path, broker)
    gateway = mcv("gateway", "--config", str(config_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with Recorder(broker, "mcv/v1/test-1/gateway") as watcher:
            assert wait_until(lambda: watcher.on("mcv/v1/test-1/gateway"), 15), "gateway never came online"
        console = build_console(load_config(config_path), "commander", "en")
        qtbot.addWidget(console.window)
        console.bus.start()
        try:
            qtbot.waitUntil(lambda: console.bus.state == "up", timeout=5000)
            qtbot.keyClicks(console.window.event_log.entry, "Pump team relieved at 14:20")
            qtbot.keyClick(console.window.event_log.entry, Qt.Key_Return)
            qtbot.wait(500)
        finally:
            console.stop()
        gateway.send_signal(signal.SIGTERM)
        assert gateway.wait(10) == 0
    finally:
        reap(gateway)
    with Store(tmp_path / "mcv.sqlite3") as store:
        assert any(e.text == "Pump team relieved at 14:20" for e in store.events_since(None))


def test_console_process_connects_and_quits_cleanly_on_sigterm(broker, tmp_path):
    config_path = write_config(tmp_path, broker)
    console = mcv("console", "--config", str(config_path), "--seat", "comms",
                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_line(console.stderr, "local bus up")
        console.send_signal(signal.SIGTERM)
        assert console.wait(10) == 0
    finally:
        reap(console)


def test_headless_demo_prints_what_the_store_saw():
    demo = subprocess.run([sys.executable, "-m", "console", "demo", "--headless", "--duration", "4"],
                          capture_output=True, text=True, timeout=60)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    # four responders over MQTT (two as body cameras), one drone over MAVLink, three TAK contacts, two NMEA radios
    assert "units seen:            10" in demo.stdout
    assert "all stored" in demo.stdout


def test_bad_config_exits_2_with_one_message_and_no_traceback(tmp_path):
    path = tmp_path / "mcv.toml"
    path.write_text('[vehicle]\nid = "a/b"\n')
    result = subprocess.run([sys.executable, "-m", "console", "gateway", "--config", str(path)],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert str(path) in result.stderr and "vehicle.id" in result.stderr


def test_doctor_prints_its_table():
    result = subprocess.run([sys.executable, "-m", "console", "doctor"], capture_output=True, text=True, timeout=60)
    assert result.returncode in (0, 1)
    for check in ("libvlc", "PyAV / FFmpeg", "broker", "serial ports", "config", "map cache"):
        assert check in result.stdout


def test_version():
    result = subprocess.run([sys.executable, "-m", "console", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("mcv ")


def test_ctrl_c_stops_the_demo_and_every_process_it_started():
    demo = subprocess.Popen([sys.executable, "-m", "console", "demo", "--headless", "--duration", "120"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    broker_pid = None
    try:
        for line in demo.stdout:
            if "started mosquitto" in line:
                broker_pid = int(line.rsplit("pid ", 1)[1].rstrip(")\n"))
            if "running headless" in line:
                break
        assert broker_pid is not None
        demo.send_signal(signal.SIGINT)
        # Reading on keeps the summary from filling the pipe; the bound allows the settling
        # wait for stored reports (up to 10 s) and every child's stop on a loaded machine.
        rest, _ = demo.communicate(timeout=45)
        assert demo.returncode == 0, rest[-2000:]
    finally:
        reap(demo)
    assert not os.path.exists(f"/proc/{broker_pid}") or "Z" in open(f"/proc/{broker_pid}/stat").read().split()[2]


def test_a_killed_demo_takes_its_broker_and_gateway_with_it():
    demo = subprocess.Popen([sys.executable, "-m", "console", "demo", "--headless", "--duration", "120"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    pids = []
    try:
        for line in demo.stdout:
            if "(pid " in line:
                pids.append(int(line.split("(pid ", 1)[1].split(",")[0].rstrip(")\n")))
            if "running headless" in line:
                break
        assert len(pids) == 2, "the demo names its broker's and gateway's process ids"
        demo.send_signal(signal.SIGKILL)  # no cleanup code runs
        demo.wait(10)
    finally:
        reap(demo)
    assert wait_until(lambda: not any(alive(pid) for pid in pids), 10), f"still running: {pids}"


def alive(pid: int) -> bool:
    try:
        return "Z" not in open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
