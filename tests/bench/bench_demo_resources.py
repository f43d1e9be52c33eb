"""Benchmark: the demo's memory and CPU over ten minutes; goal, no RSS growth beyond 5 % after the first minute.

Run by hand (``installer/setup.sh --dev`` first)::

    .venv/bin/python tests/bench/bench_demo_resources.py [--minutes 10] [--out DIR]

It runs ``mcv demo --headless`` (broker, gateway, simulated field, district HQ and the
scripted scenario: the backhaul outage, the drain and the SOS, fitted into the run) and,
since a headless demo has no console, one ``mcv console --seat commander`` offscreen
(``QT_QPA_PLATFORM=offscreen``) on the demo's bus: the busiest seat, with the map, the
video wall pulling the four RTSP cameras, the log and the alarms, exactly as on a seat
but with nothing on a screen. Every 10 s it samples, from /proc, the resident memory and
CPU (in % of one core, since the last sample) of the gateway, the console and the demo
process itself (the simulated field and HQ), and writes ``resources.csv`` and
``resources.png`` into DIR (default: a new folder under /tmp). It prints, for each, the
RSS growth from the first sample after the first minute to the last sample against the
goal, the demo's own summary, and, last, one JSON line.

Measured on a two-core machine shared with other work, 10 min with a 220 s outage at
minute 2 (its backlog peaked at 2,039 items): gateway 86.6 -> 89.7 MB (+3.6 %, flat
after minute 6), console 187.6 -> 191.0 MB (+1.8 %), demo 54.9 -> 56.7 MB (+3.3 %); CPU
means 7 % (gateway), 30 % (console, four streams decoded) and 1 % (demo) of one core.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[2]

GOAL_GROWTH_PERCENT = 5.0
WARM_UP_S = 60.0
SAMPLE_EVERY_S = 10.0
READY_TIMEOUT_S = 90.0
STOP_MARGIN_S = 30.0  # the demo's --duration beyond the sampling, so it is still running at the last sample
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
PROCESSES = ("gateway", "console", "demo")


def rss_mb(pid: int) -> float | None:
    """Resident memory from /proc/PID/statm, in MB; None once the process is gone."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_KB / 1024
    except (OSError, IndexError, ValueError):
        return None


def cpu_s(pid: int) -> float | None:
    """User + system CPU time so far from /proc/PID/stat, in seconds."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14 and 15)
    except (OSError, IndexError, ValueError):
        return None


class DemoOutput:
    """The demo's stdout, read on its own thread ("demo-stdout") so the pipe never fills."""

    def __init__(self, stream) -> None:
        self.lines: list[str] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._read, args=(stream,), name="demo-stdout", daemon=True)
        self._thread.start()

    def _read(self, stream) -> None:
        for line in stream:
            with self._lock:
                self.lines.append(line.rstrip())

    def wait_for(self, needle: str, process: subprocess.Popen) -> str:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline and process.poll() is None:
            with self._lock:
                found = next((line for line in self.lines if needle in line), None)
            if found is not None:
                return found
            time.sleep(0.1)
        raise RuntimeError(f"the demo did not print '{needle}' within {READY_TIMEOUT_S:.0f} s")

    def summary(self) -> list[str]:
        self._thread.join(30)
        with self._lock:
            at = next((i for i, line in enumerate(self.lines) if "units seen:" in line), len(self.lines))
            return self.lines[at:]


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM, wait_s: float = 60) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(wait_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def run(minutes: float, out: Path, work: Path, console_env: dict[str, str] | None = None,
        on_sample=None) -> tuple[list[dict], list[str]]:
    """Sample the demo for ``minutes``; ``console_env`` is added to the console's environment.

    ``on_sample(row)`` is called on this thread after each sample, so a long run can save
    as it goes.
    """
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONUNBUFFERED": "1"}
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        env[name] = str(work / name.lower())
    sampling_s = minutes * 60
    demo = subprocess.Popen([sys.executable, "-m", "console", "demo", "--headless",
                             "--duration", f"{sampling_s + STOP_MARGIN_S:g}"],
                            cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=open(out / "demo.log", "wb"), text=True)
    console = None
    try:
        output = DemoOutput(demo.stdout)
        started = output.wait_for("started gateway (pid", demo)
        gateway_pid = int(started.split("(pid ", 1)[1].split(",")[0])
        config = Path(started.rsplit("store ", 1)[1].rstrip(")")).parent / "mcv.toml"
        output.wait_for("running headless", demo)
        console = subprocess.Popen([sys.executable, "-m", "console", "console", "--config", str(config),
                                    "--seat", "commander", "--lang", "en"], cwd=REPO, env={**env, **(console_env or {})},
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=open(out / "console.log", "wb"))
        pids = {"gateway": gateway_pid, "console": console.pid, "demo": demo.pid}
        samples: list[dict] = []
        begun = time.monotonic()
        last_cpu = {name: cpu_s(pid) for name, pid in pids.items()}
        last_at = begun
        while True:
            next_at = begun + SAMPLE_EVERY_S * (len(samples) + 1)
            if next_at - begun > sampling_s + 1e-6:
                break
            time.sleep(max(0.0, next_at - time.monotonic()))
            now = time.monotonic()
            row = {"t_s": round(now - begun, 1)}
            for name, pid in pids.items():
                cpu = cpu_s(pid)
                row[f"{name}_rss_mb"] = round(rss_mb(pid) or 0.0, 1)
                row[f"{name}_cpu_pct"] = (round(100 * (cpu - last_cpu[name]) / (now - last_at), 1)
                                          if cpu is not None and last_cpu[name] is not None else 0.0)
                last_cpu[name] = cpu
            last_at = now
            samples.append(row)
            print("  " + "  ".join(f"{key} {value}" for key, value in row.items()), flush=True)
            if on_sample is not None:
                on_sample(row)
            if console.poll() is not None or demo.poll() is not None:
                raise RuntimeError(f"a process ended early; see {out / 'console.log'} and {out / 'demo.log'}")
        stop(console)
        stop(demo, signal.SIGINT)
        return samples, output.summary()
    finally:
        if console is not None:
            stop(console)
        stop(demo, signal.SIGINT)


def growth(samples: list[dict], name: str, warm_up_s: float = WARM_UP_S) -> tuple[float, float, float]:
    """(RSS at the first sample after the warm-up, RSS at the last sample, growth in %)."""
    after = [row for row in samples if row["t_s"] >= warm_up_s] or samples
    first, last = after[0][f"{name}_rss_mb"], samples[-1][f"{name}_rss_mb"]
    return first, last, (100 * (last - first) / first if first else 0.0)


def write_csv(samples: list[dict], path: Path) -> None:
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(samples[0]))
        writer.writeheader()
        writer.writerows(samples)


def plot(samples: list[dict], path: Path, title: str, warm_up_s: float = WARM_UP_S,
         latency: list[dict] | None = None) -> None:
    """RSS and CPU against time, one colour per process, drawn by pyqtgraph offscreen.

    ``latency`` adds a third chart: the console's event-loop lateness per minute, rows with
    ``minute``, ``p50_ms``, ``p99_ms`` and ``max_ms``.
    """
    import pyqtgraph as pg
    from pyqtgraph.exporters import ImageExporter

    app = pg.mkQApp()
    pg.setConfigOptions(background="w", foreground="k", antialias=True)
    layout = pg.GraphicsLayoutWidget()
    layout.resize(1100, 760 if latency is None else 1080)
    colours = {"gateway": (31, 119, 180), "console": (214, 39, 40), "demo": (44, 160, 44)}
    t = [row["t_s"] / 60 for row in samples]
    rss = layout.addPlot(row=0, col=0, title=f"{title}: resident memory (MB)")
    cpu = layout.addPlot(row=1, col=0, title="CPU (% of one core, per 10 s)")
    for chart in (rss, cpu):
        chart.addLegend(offset=(-10, 10))
        chart.showGrid(x=True, y=True, alpha=0.3)
        chart.setLabel("bottom", "minutes")
    for name, colour in colours.items():
        rss.plot(t, [row[f"{name}_rss_mb"] for row in samples], pen=pg.mkPen(colour, width=2), name=name)
        cpu.plot(t, [row[f"{name}_cpu_pct"] for row in samples], pen=pg.mkPen(colour, width=2), name=name)
    if latency:
        loop = layout.addPlot(row=2, col=0, title="console event-loop lateness per minute (ms, log scale)")
        loop.addLegend(offset=(-10, 10))
        loop.showGrid(x=True, y=True, alpha=0.3)
        loop.setLabel("bottom", "minutes")
        loop.setLogMode(y=True)
        loop.setXLink(rss)
        ends = [row["minute"] for row in latency]
        for key, colour in (("p50_ms", (44, 160, 44)), ("p99_ms", (255, 127, 14)), ("max_ms", (214, 39, 40))):
            values = [max(row[key], 0.1) for row in latency]  # a log axis has no zero
            loop.plot(ends, values, pen=pg.mkPen(colour, width=2), symbol="o", symbolSize=5,
                      symbolBrush=colour, name=key.removesuffix("_ms"))
    rss.addItem(pg.InfiniteLine(warm_up_s / 60, angle=90, pen=pg.mkPen((120, 120, 120), style=pg.QtCore.Qt.DashLine)))
    rss.setYRange(0, 1.15 * max(row[f"{name}_rss_mb"] for row in samples for name in colours))
    layout.show()  # lays the plots out at the widget's size (offscreen: nothing is drawn on a screen)
    app.processEvents()
    ImageExporter(layout.scene()).export(str(path))
    layout.close()


def process_results(samples: list[dict], warm_up_s: float = WARM_UP_S) -> dict:
    """Print and return, per process, RSS growth after the warm-up against the goal and CPU."""
    results = {}
    for name in PROCESSES:
        first, last, grown = growth(samples, name, warm_up_s)
        cpu = [row[f"{name}_cpu_pct"] for row in samples if row["t_s"] >= warm_up_s] or [0.0]
        verdict = "ok" if grown <= GOAL_GROWTH_PERCENT else "OVER the goal"
        print(f"{name:8s} RSS {first:7.1f} MB after {warm_up_s / 60:g} min of warm-up -> {last:7.1f} MB at the end: "
              f"{grown:+5.1f} % ({verdict}, goal <= {GOAL_GROWTH_PERCENT:g} %); "
              f"CPU mean {sum(cpu) / len(cpu):5.1f} %, max {max(cpu):5.1f} % of one core", flush=True)
        results[name] = {"rss_after_warm_up_mb": first, "rss_end_mb": last, "rss_growth_percent": round(grown, 2),
                         "cpu_mean_percent": round(sum(cpu) / len(cpu), 1), "cpu_max_percent": max(cpu)}
    return results


def print_closing(summary: list[str], written: list[Path], results: dict) -> None:
    """Print the demo's own summary, the files written and, last, ``results`` as one JSON line."""
    for line in summary:
        print(line, flush=True)
    names = [str(path) for path in written]
    print(f"wrote {', '.join(names[:-1])} and {names[-1]}" if len(names) > 1 else f"wrote {names[0]}", flush=True)
    print(json.dumps(results), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to sample (default 10)")
    parser.add_argument("--out", type=Path, help="folder for resources.csv, resources.png and the logs")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="mcv-bench-demo-"))
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="mcv-bench-demo-home-") as work:
        print(f"demo resources: sampling every {SAMPLE_EVERY_S:g} s for {args.minutes:g} min into {out}", flush=True)
        samples, summary = run(args.minutes, out, Path(work))
    write_csv(samples, out / "resources.csv")
    plot(samples, out / "resources.png", f"mcv demo --headless, {args.minutes:g} min")
    results = {"minutes": args.minutes, "samples": len(samples), "goal_growth_percent": GOAL_GROWTH_PERCENT,
               **process_results(samples)}
    print_closing(summary, [out / "resources.csv", out / "resources.png"], results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
