"""Benchmark: the console's video wall against mpv and ffplay on the same 720p25 H.264 stream.

Run by hand (needs Xvfb, ffmpeg, mpv, ffplay and GStreamer's RTSP server; ``installer/setup.sh --dev``)::

    .venv/bin/python tests/bench/bench_video.py [--quick] [--renderer frames|libvlc|all] [--counts 1,4,9]

One camera (``clock_camera.py``: FFmpeg's test picture with the sender's clock burnt in as
a barcode, x264 zero latency, a key frame every second, served by GStreamer's RTSP
server) feeds every player in turn on one private Xvfb screen; in the same run, for
each number of streams N, the wall (per renderer), N mpv and N ffplay play it.

- Glass to glass: the screen under each copy's barcode is grabbed (``mss``) at random
  moments and read back; latency = grab time − burnt time, median and p95 over all
  copies (N = 1: the focus tile alone; N = 4: a 2×2). Goal: median ≤ 150 ms and ≤ 1.2×
  the better reference player's.
- CPU per stream: user + system CPU of the player's processes (and their children)
  over a window with nobody grabbing, divided by N, in % of one core. Goal: ≤ 1.2× the
  better reference player's, at N = 1, 4 and 9.
- First picture: from starting the player's process to the first barcode read on
  screen (N = 1), and for the wall also from its window being up (its workers start
  then, as in a running console). Goal ≤ 1.5 s.
- Recovery: the camera is killed (encoder and server), kept off for ``DOWN_S`` and
  started again; the time from its server answering to a barcode burnt after the kill
  being read on screen. Goal ≤ 2 s. mpv and ffplay end with their stream; the yardstick
  is a new mpv started the moment the camera answers again.

The figures are printed as a table (figure, mcv, reference, ratio, goal, ✓/✗); the last
line is one JSON object with all of them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

import numpy as np

try:
    import mss
except ImportError:
    sys.exit("bench_video.py grabs the screen with mss: run installer/setup.sh --dev (it installs .[dev])")

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "video"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from clock_barcode import PictureRect, burnt_time, read_ticks  # noqa: E402
from clock_camera import ClockCamera  # noqa: E402
from clock_players import RunningPlayer, read_wall_reports, start_ffplay, start_mpv, start_wall  # noqa: E402
from rtsp_peer import free_port  # noqa: E402
from support import VirtualScreen  # noqa: E402

GOAL_LATENCY_MS = 150.0
GOAL_RATIO = 1.2
GOAL_FIRST_PICTURE_S = 1.5
GOAL_RECOVERY_S = 2.0
SCREEN = "1600x900"
FIRST_PICTURE_TIMEOUT_S = 15.0
SETTLE_S = 1.0
"""After the first picture, before measuring: the first seconds of a session are not its steady state."""
DOWN_S = 4.0
"""How long the camera stays off: long enough for the wall to show the signal as lost."""
PLAUSIBLE_S = (-0.02, 5.0)
"""A reading outside this is a picture from another time (left on screen, misread): counted, not used."""


class Grabber:
    """Reads the barcode under each copy's picture from the X screen (the bench's main thread)."""

    def __init__(self, display: str) -> None:
        self._screen = mss.MSS(display=display)

    def read(self, rect: PictureRect) -> tuple[float, float | None]:
        """``(grab time, burnt time or None)`` for one copy's picture, epoch seconds."""
        left, top, width, height = rect.strip()
        before = time.time()
        shot = self._screen.grab({"left": left, "top": top, "width": width, "height": height})
        after = time.time()
        ticks = read_ticks(np.asarray(shot), rect, origin=(left, top))
        return (before + after) / 2, None if ticks is None else burnt_time(ticks, after)

    def close(self) -> None:
        self._screen.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def wait_for_picture(grabber: Grabber, player: RunningPlayer, burnt_after: float, timeout_s: float) -> float | None:
    """Grab time of the first barcode burnt after ``burnt_after`` seen under the first copy, or None."""
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        if player.processes[0].stdout is not None:
            read_wall_reports(player)
        if player.pictures:
            grabbed_at, burnt = grabber.read(player.pictures[0])
            if burnt is not None and burnt > burnt_after:
                return grabbed_at
        time.sleep(0.005)
    return None


def sample_latency(grabber: Grabber, player: RunningPlayer, samples: int) -> tuple[list[float], int]:
    """At least ``samples`` glass-to-glass readings (s) spread over all copies, and the count of unreadable grabs."""
    readings, unreadable = [], 0
    attempts = 0
    while len(readings) < samples and attempts < samples * 4:
        for rect in player.pictures:
            attempts += 1
            grabbed_at, burnt = grabber.read(rect)
            latency = None if burnt is None else grabbed_at - burnt
            if latency is None or not PLAUSIBLE_S[0] <= latency <= PLAUSIBLE_S[1]:
                unreadable += 1
            else:
                readings.append(latency)
        time.sleep(random.uniform(0.012, 0.032))  # never in step with the 40 ms frames
    return readings, unreadable


def cpu_percent_per_stream(player: RunningPlayer, count: int, window_s: float) -> float:
    before, started = player.cpu_seconds(), time.monotonic()
    time.sleep(window_s)
    used, elapsed = player.cpu_seconds() - before, time.monotonic() - started
    return 100 * used / elapsed / count


def measure_recovery(grabber: Grabber, player: RunningPlayer, camera: ClockCamera) -> float | None:
    """Seconds from the camera answering again to its new pictures on the wall; None if they never came."""
    killed_at = time.time()
    camera.kill()
    time.sleep(DOWN_S)
    camera.start()
    back_at = time.time()
    seen = wait_for_picture(grabber, player, killed_at, FIRST_PICTURE_TIMEOUT_S)
    return None if seen is None else seen - back_at


def measure_fresh_start(grabber: Grabber, camera: ClockCamera, env: dict) -> float | None:
    """The reference for recovery: mpv started the moment the camera answers again; seconds to its picture."""
    killed_at = time.time()
    camera.kill()
    time.sleep(1.0)
    camera.start()
    back_at = time.time()
    player = start_mpv(camera.url, 1, env)
    try:
        seen = wait_for_picture(grabber, player, killed_at, FIRST_PICTURE_TIMEOUT_S)
    finally:
        player.stop()
    return None if seen is None else seen - back_at


def run_player(name: str, count: int, camera: ClockCamera, grabber: Grabber, env: dict, args) -> dict:
    """Start one player with ``count`` copies, measure it, stop it; its figures."""
    if name.startswith("mcv "):
        player = start_wall(camera.url, count, env, name.split()[1])
    else:
        player = (start_mpv if name == "mpv" else start_ffplay)(camera.url, count, env)
    figures: dict = {"player": name, "n": count}
    try:
        seen = wait_for_picture(grabber, player, player.started_at, FIRST_PICTURE_TIMEOUT_S)
        if seen is None or not player.alive():
            figures["error"] = "no picture on screen"
            return figures
        figures["first_picture_s"] = seen - player.started_at
        if player.first_paint_at is not None:
            figures["first_paint_s"] = player.first_paint_at - player.started_at
        if player.shown_at is not None:
            figures["shown_s"] = player.shown_at - player.started_at
        time.sleep(SETTLE_S)
        if count in (1, 4):
            readings, unreadable = sample_latency(grabber, player, args.samples)
            figures.update(samples=len(readings), unreadable=unreadable)
            if readings:
                figures["median_ms"] = 1000 * statistics.median(readings)
                figures["p95_ms"] = 1000 * percentile(readings, 95)
        figures["cpu_per_stream"] = cpu_percent_per_stream(player, count, args.window)
        figures["live_copies"] = sum(grabber.read(rect)[1] is not None for rect in player.pictures)
        if name.startswith("mcv ") and count == 1:
            recoveries = [measure_recovery(grabber, player, camera) for _ in range(args.recoveries)]
    finally:
        player.stop()
    if name == "mpv" and count == 1:  # mpv does not reconnect: a fresh one is the yardstick
        recoveries = [measure_fresh_start(grabber, camera, env) for _ in range(args.recoveries)]
    if count == 1 and (name.startswith("mcv ") or name == "mpv"):
        figures["recovery_s"] = None if None in recoveries else max(recoveries)
        figures["recoveries_s"] = recoveries
    return figures


def describe(figures: dict) -> str:
    parts = [f"{figures['player']:<12} N={figures['n']}:"]
    if "error" in figures:
        return " ".join([*parts, figures["error"]])
    if "median_ms" in figures:
        parts.append(f"latency median {figures['median_ms']:.0f} ms p95 {figures['p95_ms']:.0f} ms "
                     f"({figures['samples']} readings, {figures['unreadable']} unreadable)")
    parts.append(f"CPU {figures['cpu_per_stream']:.1f} %/stream ({figures['live_copies']} of {figures['n']} showing)")
    parts.append(f"first picture {figures['first_picture_s']:.2f} s after the process started")
    if "shown_s" in figures:
        parts.append(f"(window up at {figures['shown_s']:.2f} s"
                     + (f", the wall's own first picture at {figures['first_paint_s']:.2f} s)"
                        if "first_paint_s" in figures else ")"))
    if "recoveries_s" in figures:
        label = "recovery" if figures["player"].startswith("mcv") else "a fresh start when the camera returns"
        parts.append(f"{label} " + ", ".join("never" if r is None else f"{r:.2f} s" for r in figures["recoveries_s"]))
    return " ".join(parts)


def table(results: list[dict], renderers: list[str]) -> list[dict]:
    """One row per figure and renderer: mcv, the better reference, ratio, goal and whether it is met."""
    def get(player: str, count: int, key: str) -> float | None:
        return next((r.get(key) for r in results if r["player"] == player and r["n"] == count), None)

    def best_reference(count: int, key: str) -> tuple[float | None, str]:
        found = [(value, name) for name in ("mpv", "ffplay") if (value := get(name, count, key)) is not None]
        return min(found) if found else (None, "")

    rows = []
    counts = sorted({r["n"] for r in results})
    for renderer in renderers:
        player = f"mcv {renderer}"
        for count in (c for c in counts if c in (1, 4)):
            ours, (ref, ref_name) = get(player, count, "median_ms"), best_reference(count, "median_ms")
            rows.append(dict(figure=f"latency median, {count} stream{'s' * (count > 1)} [{renderer}]", unit="ms",
                             mcv=ours, ref=ref, ref_name=ref_name, goal=f"≤ {GOAL_LATENCY_MS:.0f} ms, ≤ {GOAL_RATIO}×",
                             met=None if ours is None or ref is None
                             else ours <= GOAL_LATENCY_MS and ours <= GOAL_RATIO * ref))
            ours, (ref, ref_name) = get(player, count, "p95_ms"), best_reference(count, "p95_ms")
            rows.append(dict(figure=f"latency p95, {count} stream{'s' * (count > 1)} [{renderer}]", unit="ms",
                             mcv=ours, ref=ref, ref_name=ref_name, goal="", met=None))
        for count in counts:
            ours, (ref, ref_name) = get(player, count, "cpu_per_stream"), best_reference(count, "cpu_per_stream")
            rows.append(dict(figure=f"CPU per stream, N={count} [{renderer}]", unit="%", mcv=ours, ref=ref,
                             ref_name=ref_name, goal=f"≤ {GOAL_RATIO}×",
                             met=None if ours is None or ref is None else ours <= GOAL_RATIO * ref))
        if 1 in counts:
            ours, (ref, ref_name) = get(player, 1, "first_picture_s"), best_reference(1, "first_picture_s")
            rows.append(dict(figure=f"first picture, process start [{renderer}]", unit="s", mcv=ours, ref=ref,
                             ref_name=ref_name, goal=f"≤ {GOAL_FIRST_PICTURE_S} s",
                             met=None if ours is None else ours <= GOAL_FIRST_PICTURE_S))
            shown = get(player, 1, "shown_s")
            ours = None if ours is None or shown is None else ours - shown
            rows.append(dict(figure=f"first picture, wall shown [{renderer}]", unit="s", mcv=ours, ref=ref,
                             ref_name=ref_name, goal=f"≤ {GOAL_FIRST_PICTURE_S} s",
                             met=None if ours is None else ours <= GOAL_FIRST_PICTURE_S))
            ours, ref = get(player, 1, "recovery_s"), get("mpv", 1, "recovery_s")
            rows.append(dict(figure=f"recovery after the source returns [{renderer}]", unit="s", mcv=ours, ref=ref,
                             ref_name="mpv new", goal=f"≤ {GOAL_RECOVERY_S} s",
                             met=None if ours is None else ours <= GOAL_RECOVERY_S))
    return rows


def print_table(rows: list[dict]) -> None:
    def number(value: float | None, unit: str) -> str:
        if value is None:
            return "—"
        return f"{value:.0f} ms" if unit == "ms" else f"{value:.1f} %" if unit == "%" else f"{value:.2f} s"

    print(f"{'figure':<46} {'mcv':>9} {'reference':>18} {'ratio':>6}  {'goal':<20} met")
    for row in rows:
        ref = number(row["ref"], row["unit"]) + (f" {row['ref_name']}" if row["ref"] is not None else "")
        ratio = f"{row['mcv'] / row['ref']:.2f}" if row["mcv"] is not None and row["ref"] else "—"
        mark = {True: "✓", False: "✗", None: ""}[row["met"]]
        print(f"{row['figure']:<46} {number(row['mcv'], row['unit']):>9} {ref:>18} {ratio:>6}  {row['goal']:<20} {mark}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer readings, shorter windows, N = 1 and 4 only")
    parser.add_argument("--renderer", default="all", choices=("frames", "libvlc", "all"))
    parser.add_argument("--counts", default=None, help="numbers of streams, e.g. 1,4 (default 1,4,9)")
    parser.add_argument("--references", default="mpv,ffplay", help="reference players to run, e.g. mpv")
    args = parser.parse_args()
    args.samples = 100 if args.quick else 200
    args.window = 5.0 if args.quick else 10.0
    args.recoveries = 1 if args.quick else 3
    counts = [int(c) for c in (args.counts or ("1,4" if args.quick else "1,4,9")).split(",")]
    renderers = ["frames", "libvlc"] if args.renderer == "all" else [args.renderer]
    references = [p for p in args.references.split(",") if p]
    if not set(references) <= {"mpv", "ffplay"}:
        sys.exit(f"--references takes mpv and/or ffplay, not {args.references!r}")
    players = [f"mcv {r}" for r in renderers] + references
    missing = [tool for tool in ("ffmpeg", *players) if not tool.startswith("mcv ") and shutil.which(tool) is None]
    if missing:
        sys.exit(f"bench_video.py needs {', '.join(missing)}: run installer/setup.sh --dev (Debian's ffmpeg and mpv)")

    results = []
    started, load_before = time.monotonic(), os.getloadavg()[0]
    if load_before > (os.cpu_count() or 1):
        print(f"warning: load average {load_before:.1f} on {os.cpu_count()} cores: other work competes with the "
              "players, so latency and first-picture times will be theirs as much as the players'", flush=True)
    camera = ClockCamera(free_port(), free_port())
    with VirtualScreen(SCREEN) as screen:
        env = {**os.environ, "DISPLAY": screen.display}
        grabber = Grabber(screen.display)
        try:
            camera.start()
            for count in counts:
                for name in players:
                    try:
                        figures = run_player(name, count, camera, grabber, env, args)
                    except RuntimeError as exc:
                        figures = {"player": name, "n": count, "error": str(exc)}
                    results.append(figures)
                    print(describe(figures), flush=True)
        finally:
            grabber.close()
            camera.close()
    rows = table(results, renderers)
    print()
    print_table(rows)
    load = (load_before, os.getloadavg()[0])
    print(f"(run took {time.monotonic() - started:.0f} s on {os.cpu_count()} cores, load average {load[0]:.1f} "
          f"before and {load[1]:.1f} after; CPU in % of one core; reference = the better of "
          f"{' and '.join(p for p in players if not p.startswith('mcv'))})")
    print(json.dumps({"bench": "video", "cores": os.cpu_count(), "load_before": round(load[0], 1),
                      "load_after": round(load[1], 1), "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
