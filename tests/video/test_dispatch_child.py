"""ProgressReader on a real child writing ffmpeg's ``-progress`` lines: the rate it puts on the wire,
a rate that falls while its writes are held up, and lines no ffmpeg writes."""

from __future__ import annotations

import subprocess
import sys

from support import wait_until

from video.dispatch_child import ProgressReader

# The child: ffmpeg's -progress figures on stderr, as a blocked ffmpeg writes them (then nothing).
CHILD = """
import sys, time
for size in (0, 62_500, 125_000):
    print(f"frame=1\\ntotal_size={size}\\nprogress=continue", file=sys.stderr, flush=True)
    time.sleep(0.5)
time.sleep(float(sys.argv[1]))
"""


def start(code: str, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", code, *args], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_the_rate_is_what_went_out_and_falls_while_the_child_is_held_up():
    child = start(CHILD, "4")
    progress = ProgressReader(child, "cam1")
    try:
        assert wait_until(lambda: progress.kbps() > 0, 5)
        assert wait_until(progress.sending, 5)
        early = progress.kbps()
        assert 700 <= early <= 1100, early  # 125,000 bytes in about a second: 1,000 kb/s
        assert wait_until(lambda: progress.kbps() < early / 2, 5), progress.kbps()  # no progress: it is held up
    finally:
        child.kill()
        child.wait(5)
        progress.join()
    assert progress.errors() == []


def test_lines_no_ffmpeg_writes_are_kept_as_its_last_words_and_figures_stay_sane():
    hostile = r"""
import sys
lines = ["total_size=-5", "total_size=9" * 30, "total_size=", "total_size=12abc", "=", "total size=5",
         "\x00\xff garbage", "x" * 5000, "total_size=" + "9" * 40]
sys.stderr.buffer.write(("\n".join(lines) + "\n").encode("utf-8", "surrogateescape") + b"\xfe\xfd\n")
"""
    child = start(hostile)
    progress = ProgressReader(child, "cam1")
    child.wait(5)
    progress.join()
    assert progress.kbps() >= 0.0
    errors = progress.errors()
    assert errors and all(len(line) <= 1000 for line in errors)
