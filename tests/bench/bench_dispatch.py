"""Benchmark: the gateway's uplink path (video dispatch) against a plain ffmpeg doing the same
pull, re-encode and push, on one 720p25 camera.

Run by hand (needs ffmpeg and GStreamer's RTSP server; ``installer/setup.sh --dev``)::

    .venv/bin/python tests/bench/bench_dispatch.py [--quick] [--rounds 2] [--window 15]

One camera (``clock_camera.py``: 720p25 H.264 at 3 Mbit/s with the sender's clock burnt in
as a barcode, served by GStreamer's RTSP server) is sent to HQ's SRT receiver
(``dispatch_bench_peers.ClockReceiver``: ffmpeg listening, PyAV decoding every frame and
reading its barcode), re-encoded to 1280x720 at 25 frames/s and ``--kbps`` of video, in turn by

- ``mcv``: a ``DispatchWorker`` (the gateway's pull in PyAV, NUT on a pipe, its ffmpeg
  child re-encoding and pushing SRT), in a process of its own;
- ``ffmpeg``: ``ffmpeg -rtsp_transport tcp -i rtsp://… -c:v libx264 -preset ultrafast
  -tune zerolatency -b:v … -f mpegts srt://…`` with the same x264 settings and budget.

Figures, per sender, over the same ``--window`` seconds of steady sending (after ``SETTLE_S``):

- Added latency: the median of (frame decoded at HQ − time burnt into it), less the same
  median for the camera read straight over RTSP (no uplink). Goal ≤ 1.2× ffmpeg's.
- CPU: user + system CPU of the sender's processes (mcv: the Python process and its ffmpeg
  child), in % of one core. Goal ≤ 1.2× ffmpeg's.

Both senders run side by side, each to its own receiver, with the camera also read
directly, so that all suffer the same load from the rest of the machine; each round starts
them afresh, and the figures are the medians over the rounds. The table
prints figure, mcv, ffmpeg, ratio and goal ✓/✗; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "video"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from clock_camera import ClockCamera  # noqa: E402
from clock_players import tree_cpu_seconds  # noqa: E402
from dispatch_bench_peers import (  # noqa: E402
    ClockReceiver, DirectReader, median_ms, percentile_ms, start_ffmpeg_sender, start_mcv_sender, stop_process,
)
from rtsp_peer import free_port  # noqa: E402

GOAL_RATIO = 1.2
WIDTH, HEIGHT, FPS = 1280, 720, 25
SRT_LATENCY_MS = 120  # SRT's default receive delay, set on both ends for both senders
FIRST_PICTURE_TIMEOUT_S = 30.0
SETTLE_S = 3.0
"""After HQ's first picture, before measuring: the encoder's first seconds are not its steady state."""


def measure_round(camera: ClockCamera, kbps: int, window_s: float) -> list[dict]:
    """Both senders at once, each to its own HQ receiver, and the camera read directly, over one window.

    Run side by side, both suffer the same load from the rest of the machine; the figures
    are per sender over the same seconds.
    """
    direct = DirectReader(camera.url).start()
    senders: dict[str, tuple[ClockReceiver, object]] = {}
    figures = {name: {"sender": name} for name in ("mcv", "ffmpeg", "direct")}
    try:
        started = time.time()
        for name, start in (("mcv", start_mcv_sender), ("ffmpeg", start_ffmpeg_sender)):
            receiver = ClockReceiver(free_port(), SRT_LATENCY_MS).start()
            senders[name] = (receiver, start(camera.url, receiver.url, kbps, WIDTH, HEIGHT, FPS))
        sinks = {name: receiver.sink for name, (receiver, _) in senders.items()} | {"direct": direct.sink}
        while any(sink.first_after(started) is None for sink in sinks.values()):
            if time.time() - started > FIRST_PICTURE_TIMEOUT_S:
                for name, sink in sinks.items():
                    if sink.first_after(started) is None:
                        figures[name]["error"] = "no picture within {:.0f} s".format(FIRST_PICTURE_TIMEOUT_S)
                return list(figures.values())
            time.sleep(0.05)
        for name, sink in sinks.items():
            figures[name]["first_picture_s"] = sink.first_after(started) - started
        time.sleep(SETTLE_S)
        cpu_before = {name: tree_cpu_seconds(process.pid) for name, (_, process) in senders.items()}
        frames_before = {name: sink.frames for name, sink in sinks.items()}
        at, start_at = time.monotonic(), time.time()
        time.sleep(window_s)
        elapsed = time.monotonic() - at
        for name, sink in sinks.items():
            readings = sink.since(start_at)
            figures[name].update(median_ms=median_ms(readings), p95_ms=percentile_ms(readings, 95),
                                 samples=len(readings), fps=(sink.frames - frames_before[name]) / elapsed,
                                 unreadable=sink.unreadable)
        for name, (_, process) in senders.items():
            figures[name]["cpu_percent"] = 100 * (tree_cpu_seconds(process.pid) - cpu_before[name]) / elapsed
    finally:
        for name, (receiver, process) in senders.items():
            said = stop_process(process)
            receiver.stop()
            if "error" in figures[name]:
                figures[name]["error"] += f"; receiver: {receiver.error}; sender said: {said.strip()[-400:]}"
        direct.stop()
    return list(figures.values())


def _median(rounds: list[dict], key: str) -> float | None:
    values = [r[key] for r in rounds if r.get(key) is not None]
    return statistics.median(values) if values else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one round of 8 s windows")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--window", type=float, default=15.0, help="seconds of steady sending measured")
    parser.add_argument("--kbps", type=int, default=2500, help="video bitrate of the re-encode (720p rung)")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.window = 1, 8.0
    camera = ClockCamera(free_port(), free_port())
    camera.start()
    results: dict = {"rounds": []}
    try:
        for _ in range(args.rounds):
            for figures in measure_round(camera, args.kbps, args.window):
                print(json.dumps(figures), file=sys.stderr, flush=True)
                results["rounds"].append(figures)
    finally:
        camera.close()
    direct = [r for r in results["rounds"] if r["sender"] == "direct" and "error" not in r]
    base = _median(direct, "median_ms")
    results["direct_median_ms"] = base
    rows = []
    summary = {}
    for name in ("mcv", "ffmpeg"):
        rounds = [r for r in results["rounds"] if r["sender"] == name and "error" not in r]
        latency = _median(rounds, "median_ms")
        summary[name] = {
            "latency_ms": latency, "p95_ms": _median(rounds, "p95_ms"),
            "added_ms": None if latency is None or base is None else latency - base,
            "cpu_percent": _median(rounds, "cpu_percent"), "fps": _median(rounds, "fps"),
            "first_picture_s": _median(rounds, "first_picture_s"),
        }
    results["summary"] = summary
    ok = True
    for label, key, unit, goal in (("latency at HQ, median", "latency_ms", "ms", None),
                                   ("latency at HQ, p95", "p95_ms", "ms", None),
                                   ("added latency (HQ - direct)", "added_ms", "ms", GOAL_RATIO),
                                   ("CPU per 720p stream", "cpu_percent", "% core", GOAL_RATIO),
                                   ("frames/s at HQ", "fps", "", None),
                                   ("first picture at HQ", "first_picture_s", "s", None)):
        mcv, ref = summary["mcv"][key], summary["ffmpeg"][key]
        ratio = mcv / ref if mcv is not None and ref else None
        verdict = ""
        if goal is not None:
            passed = ratio is not None and ratio <= goal
            ok &= passed
            verdict = f"≤ {goal}×  {'✓' if passed else '✗'}"
        rows.append(f"{label:<30} {_fmt(mcv):>9} {_fmt(ref):>9} {unit:<7} {_fmt(ratio, 2):>6}  {verdict}")
    print(f"camera read directly over RTSP: median {_fmt(base)} ms (rounds: "
          f"{', '.join(_fmt(d['median_ms']) for d in direct)})")
    print(f"{'figure':<30} {'mcv':>9} {'ffmpeg':>9} {'':<7} {'ratio':>6}  goal")
    print("\n".join(rows))
    for r in results["rounds"]:
        if "error" in r:
            print(f"{r['sender']}: {r['error']}")
    print(json.dumps(results))
    return 0 if ok else 1


def _fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


if __name__ == "__main__":
    sys.exit(main())
