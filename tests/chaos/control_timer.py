"""The machine's own lag, for comparison with a console seat's: ``control_timer.py LATENCY_FILE``.

A plain Python process (no Qt, no work) asks to wake every 100 ms and appends how late it
woke, in the console seat's format (``{"t": monotonic, "late_ms": [...]}`` every second).
What it measures is what the machine's load does to any process; a seat late by much
more than this is stalled by itself. Ends on SIGTERM.
"""

from __future__ import annotations

import json
import signal
import sys
import time

INTERVAL_S = 0.1
FLUSH_S = 1.0


def main(path: str) -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    late: list[float] = []
    flushed = armed = time.monotonic()
    while True:
        time.sleep(INTERVAL_S)
        now = time.monotonic()
        late.append(round(max(0.0, (now - armed - INTERVAL_S) * 1000), 2))
        armed = now
        if now - flushed >= FLUSH_S:
            with open(path, "a", encoding="utf-8") as f:
                f.write(json.dumps({"t": round(now, 3), "late_ms": late}) + "\n")
            late, flushed = [], now


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
