"""Console start to first painted window, against a bare PySide6 QMainWindow in the same run.

Each sample is a fresh interpreter: the time runs from spawning the process to the
first paint event of the main window (offscreen platform), so imports, config loading,
translations and the first layout all count. Goal: ratio ≤ 2.0.

    .venv/bin/python tests/bench/bench_startup.py [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))
from support import write_config  # noqa: E402

from radios.broker import LocalBroker  # noqa: E402

GOAL_RATIO = 2.0

PROBE = r"""
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
{build}

class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Paint:
            print("PAINTED", time.time(), flush=True)
            QTimer.singleShot(0, app.quit)
            self.deleteLater()
        return False

probe = FirstPaint()
window.installEventFilter(probe)
window.show()
app.exec()
"""

BARE = """
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv)
window = QMainWindow()
window.resize(1440, 900)
"""

CONSOLE = """
from pathlib import Path
from radios.config import load_config
from console.app import build_console
console = build_console(load_config(Path({config!r})), "commander", "en")
app, window = console.app, console.window
QTimer.singleShot(0, console.bus.start)  # as run_console does
"""


def sample(build: str, env: dict) -> float:
    started = time.time()
    result = subprocess.run([sys.executable, "-c", PROBE.format(build=build)], env=env,
                            capture_output=True, text=True, timeout=60)
    for line in result.stdout.splitlines():
        if line.startswith("PAINTED"):
            return float(line.split()[1]) - started
    raise RuntimeError(f"no paint reported:\n{result.stderr[-2000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home, LocalBroker() as broker:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": home, "XDG_DATA_HOME": home}
        config = write_config(Path(home), broker)
        console_build = CONSOLE.format(config=str(config))
        bare, full = [], []
        sample(BARE, env), sample(console_build, env)  # warm the file cache
        for _ in range(args.rounds):  # interleaved, so load on the machine hits both alike
            bare.append(sample(BARE, env))
            full.append(sample(console_build, env))
    bare_s, console_s = statistics.median(bare), statistics.median(full)
    ratio = console_s / bare_s
    print(f"bare QMainWindow: median {bare_s * 1000:.0f} ms over {args.rounds} runs")
    print(f"mcv console:      median {console_s * 1000:.0f} ms over {args.rounds} runs")
    print(f"ratio {ratio:.2f} (goal ≤ {GOAL_RATIO}) — {'met' if ratio <= GOAL_RATIO else 'NOT met'}")
    print(json.dumps({"bench": "startup", "bare_ms": round(bare_s * 1000), "console_ms": round(console_s * 1000),
                      "ratio": round(ratio, 2), "goal": GOAL_RATIO}))


if __name__ == "__main__":
    main()
