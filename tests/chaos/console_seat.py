"""A console seat for the chaos suite, run as a child process: ``console_seat.py CONFIG LATENCY_FILE [SEAT]``.

It builds the seat as ``mcv console`` does (``console.app.build_console``: bus client, main
window, video wall pulling the config's streams) and measures its event loop with
``LoopLatencyProbe``, flushing the figures to LATENCY_FILE every second (``mcv console``
itself flushes every 10 s, too coarse for a chaos round of a few seconds). SIGTERM closes
it cleanly. Run with QT_QPA_PLATFORM=offscreen.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from PySide6.QtCore import QTimer  # noqa: E402

from console.app import build_console  # noqa: E402
from console.loop_latency import LoopLatencyFileWriter, LoopLatencyProbe  # noqa: E402
from console.quit_signals import quit_on_signals  # noqa: E402
from radios.config import load_config  # noqa: E402

FLUSH_S = 1.0


def main(config_path: str, latency_file: str, seat: str = "commander") -> int:
    console = build_console(load_config(Path(config_path)), seat=seat)
    quit_on_signals(console.app)
    probe = LoopLatencyProbe(console.app)
    writer = LoopLatencyFileWriter(probe, Path(latency_file), every_s=FLUSH_S)
    probe.stopped.connect(writer.flush)
    console.window.show()
    QTimer.singleShot(0, console.bus.start)
    probe.start()
    try:
        return console.app.exec()
    finally:
        probe.stop()
        console.stop()


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
