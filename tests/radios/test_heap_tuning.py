"""radios/heap_tuning.py: what glibc itself reports about a process's heap, with and without the settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from radios.heap_tuning import ARENA_MAX, tune_heap

REPO = Path(__file__).resolve().parents[2]

# Eight threads allocate at the same time, then glibc prints its arenas (malloc_stats, on stderr).
BUSY_THREADS = """
import ctypes, sys, threading
if sys.argv[1] == "tuned":
    from radios.heap_tuning import tune_heap
    print(" ".join(tune_heap()))
start = threading.Barrier(8)
def allocate():
    start.wait()
    kept = [bytearray(4096) for _ in range(2000)]
    start.wait()
threads = [threading.Thread(target=allocate) for _ in range(8)]
for thread in threads: thread.start()
for thread in threads: thread.join()
ctypes.CDLL(None).malloc_stats()
"""


def arenas(mode: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    done = subprocess.run([sys.executable, "-c", BUSY_THREADS, mode], cwd=REPO, env={**clean, **(env or {})},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return sum(line.startswith("Arena ") for line in done.stderr.splitlines()), done.stdout.strip()


pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")


def test_eight_busy_threads_share_two_arenas_once_tuned_and_get_more_without():
    untuned, _ = arenas("plain")
    tuned, made = arenas("tuned")
    assert made == "MALLOC_ARENA_MAX MALLOC_MMAP_THRESHOLD_"
    assert tuned <= ARENA_MAX < untuned


def test_a_setting_the_environment_makes_is_left_to_it():
    count, made = arenas("tuned", {"MALLOC_ARENA_MAX": "4"})
    assert made == "MALLOC_MMAP_THRESHOLD_"
    assert ARENA_MAX < count <= 4


def test_it_names_nothing_it_did_not_set():
    assert tune_heap({"MALLOC_ARENA_MAX": "2", "MALLOC_MMAP_THRESHOLD_": "262144"}) == []
