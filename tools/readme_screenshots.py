#!/usr/bin/env python3
"""The README's screenshots: the three seats of the real demo, under Xvfb, saved as PNG.

Run from the repository root after ``installer/setup.sh --dev``::

    .venv/bin/python tools/readme_screenshots.py            # writes docs/screenshots/{commander,comms,drone}.png

It starts ``mcv demo --headless`` (broker, gateway, simulated field, district HQ and the
scripted backhaul outage), then one ``mcv console --seat S`` per seat on the demo's bus,
each on its own Xvfb screen the size of the console's window, and grabs every screen
during the outage, a little after Rescue 2's SOS, when the banner, the backlog, the alarm,
the video and the drone's track are all on show. Everything it starts is stopped by its
PID. The demo runs in a private data folder, and its config holds no passwords or
credentials, so no secret can reach a picture. Needs Xvfb and ImageMagick's ``import``
(``installer/setup.sh --dev`` installs both).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEATS = ("commander", "comms", "drone")
SCREEN = "1440x900"  # the console window's own size: the picture is the window, edge to edge
# The scenario for the pictures: the backhaul drops early and stays down past the grab.
OUTAGE_AT_S, OUTAGE_FOR_S, SOS_AT_S = 15, 120, 35  # the SOS after the geofence alarms (~26 s): it is the newest
GRAB_AFTER_SOS_S = 15.0  # the alarm is raised, the drone has flown a while, the video plays
ACK_BEFORE_GRAB_S = 3.0  # the commander has acknowledged the other alarms, so the SOS heads the alarm row
READY_TIMEOUT_S = 90.0
MIN_PNG_BYTES = 20_000  # a blank screen compresses to a few kilobytes


class ScreenshotError(RuntimeError):
    """A step failed; the message names the step and where its log is."""


class LineWatcher:
    """Collects a child's stdout lines on its own thread ("stdout-reader") so the pipe never fills."""

    def __init__(self, stream) -> None:
        self.lines: list[str] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._read, args=(stream,), name="stdout-reader", daemon=True)
        self._thread.start()

    def _read(self, stream) -> None:
        for line in stream:
            print(f"  {line.rstrip()}", flush=True)
            with self._lock:
                self.lines.append(line.rstrip())

    def wait_for(self, needle: str, timeout_s: float) -> str:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self._lock:
                found = next((line for line in self.lines if needle in line), None)
            if found is not None:
                return found
            time.sleep(0.1)
        raise ScreenshotError(f"the demo did not print '{needle}' within {timeout_s:.0f} s")


def start_screen() -> tuple[subprocess.Popen, str]:
    """A fresh Xvfb display; returns the process and its DISPLAY name."""
    number = next(n for n in range(160, 260) if not Path(f"/tmp/.X{n}-lock").exists())
    screen = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", f"{SCREEN}x24", "-nolisten", "tcp"],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not Path(f"/tmp/.X11-unix/X{number}").exists():
        if time.monotonic() > deadline or screen.poll() is not None:
            stop(screen)
            raise ScreenshotError(f"Xvfb did not start on :{number}")
        time.sleep(0.05)
    return screen, f":{number}"


def wait_for_file_text(path: Path, needle: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if path.exists() and needle in path.read_text(errors="replace"):
            return
        time.sleep(0.2)
    raise ScreenshotError(f"'{needle}' did not appear in {path} within {timeout_s:.0f} s")


def acknowledge_all_but_sos(config_path: Path) -> None:
    """Acknowledge every open alarm but the SOS over the bus, as the commander's seat does."""
    sys.path.insert(0, str(REPO))
    from radios.bus import BusSettings, MqttBus
    from radios.config import load_config
    from radios.schema import Alarm, AlarmAck, PayloadError, Topics, decode

    config = load_config(config_path)
    topics = Topics(config.vehicle.id)
    open_alarms: dict[str, Alarm] = {}

    def on_message(topic: str, payload: bytes, retained: bool) -> None:
        """Bus thread: the retained alarms."""
        try:
            alarm = decode(payload, Alarm)
        except PayloadError:
            return
        open_alarms[alarm.id] = alarm

    bus = MqttBus(BusSettings.from_broker(config.broker, "readme-screenshots"), on_message=on_message)
    bus.subscribe(f"{topics.root}/alarm/+")
    bus.start()
    try:
        if not bus.wait_connected(10):
            raise ScreenshotError(f"could not reach the demo's broker at {config.broker.host}:{config.broker.port}")
        time.sleep(1.0)  # the retained alarms arrive
        for alarm in list(open_alarms.values()):
            if alarm.state == "active" and alarm.alarm_kind != "sos":
                bus.request_sync(topics.command("alarm_ack"), AlarmAck.create("console@commander", alarm=alarm.id,
                                                                              seat="commander").encode())
    finally:
        bus.stop()


def stop(process: subprocess.Popen | None, sig: int = signal.SIGTERM) -> None:
    """End one child by its PID, politely first."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


def take(out: Path, lang: str, work: Path) -> list[Path]:
    env = {**os.environ, "XDG_DATA_HOME": str(work / "data"), "XDG_CONFIG_HOME": str(work / "config"),
           "XDG_CACHE_HOME": str(work / "cache"), "XDG_STATE_HOME": str(work / "state")}
    mcv = [sys.executable, "-m", "console"]
    demo = subprocess.Popen(
        [*mcv, "demo", "--headless", "--duration", str(OUTAGE_AT_S + OUTAGE_FOR_S + 60),
         "--outage-at", str(OUTAGE_AT_S), "--outage-for", str(OUTAGE_FOR_S), "--sos-at", str(SOS_AT_S)],
        cwd=REPO, env={**env, "QT_QPA_PLATFORM": "offscreen"}, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=open(work / "demo.log", "wb"), text=True)
    children: list[subprocess.Popen] = []
    screens: list[subprocess.Popen] = []
    try:
        watcher = LineWatcher(demo.stdout)
        store = watcher.wait_for("started gateway (pid", READY_TIMEOUT_S).rsplit("store ", 1)[1].rstrip(")")
        config = Path(store).parent / "mcv.toml"
        watcher.wait_for("running headless", READY_TIMEOUT_S)
        displays = {}
        for seat in SEATS:
            screen, display = start_screen()
            screens.append(screen)
            displays[seat] = display
            log = work / f"console-{seat}.log"
            children.append(subprocess.Popen(
                [*mcv, "console", "--config", str(config), "--seat", seat, "--lang", lang],
                cwd=REPO, env={**env, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}, stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=open(log, "wb")))
        for seat in SEATS:
            wait_for_file_text(work / f"console-{seat}.log", "local bus up", READY_TIMEOUT_S)
        watcher.wait_for("presses SOS", OUTAGE_AT_S + SOS_AT_S + READY_TIMEOUT_S)
        print(f"readme screenshots: the SOS is raised; grabbing in {GRAB_AFTER_SOS_S:g} s", flush=True)
        time.sleep(GRAB_AFTER_SOS_S - ACK_BEFORE_GRAB_S)
        acknowledge_all_but_sos(config)
        time.sleep(ACK_BEFORE_GRAB_S)
        out.mkdir(parents=True, exist_ok=True)
        saved = []
        for seat in SEATS:
            path = out / f"{seat}.png"
            subprocess.run(["/usr/bin/import", "-display", displays[seat], "-window", "root", str(path)],
                           check=True, timeout=60)
            if path.stat().st_size < MIN_PNG_BYTES:
                raise ScreenshotError(f"{path} is nearly empty ({path.stat().st_size} bytes): the {seat} seat drew "
                                      f"nothing; see {work / f'console-{seat}.log'}")
            saved.append(path)
        return saved
    finally:
        for child in children:
            stop(child)
        for screen in screens:
            stop(screen)
        stop(demo, signal.SIGINT)


def main() -> int:
    parser = argparse.ArgumentParser(description="Take the README's screenshots of the three seats from the demo.")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots", help="default: docs/screenshots")
    parser.add_argument("--lang", choices=("en", "zh_CN"), default="en")
    parser.add_argument("--keep-logs", action="store_true", help="keep the demo's and consoles' logs")
    args = parser.parse_args()
    for tool in ("Xvfb", "/usr/bin/import"):
        if shutil.which(tool) is None:
            print(f"readme screenshots: {tool} is not installed; run installer/setup.sh --dev", file=sys.stderr)
            return 1
    work = Path(tempfile.mkdtemp(prefix="mcv-screenshots-"))
    try:
        for path in take(args.out, args.lang, work):
            print(f"readme screenshots: saved {path}", flush=True)
    except (ScreenshotError, subprocess.SubprocessError) as exc:
        print(f"readme screenshots: {exc} (logs kept in {work})", file=sys.stderr)
        return 1
    if not args.keep_logs:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"readme screenshots: logs in {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
