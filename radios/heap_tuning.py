"""Keep a long-running mcv process's heap from creeping: glibc malloc settings made at start.

The gateway and the console run for days, with a dozen threads each (bus, store writer,
links, video ingest) allocating and freeing video packets, JSON and SQLite pages. With
glibc's defaults each thread may get a malloc arena of its own (up to eight per core),
and large blocks freed into an arena stay there once the dynamic mmap threshold has
grown past their size. Both show as RSS that climbs for tens of minutes and is not
given back; the hour-long soak (``tests/bench/soak_demo.py``, figures in
docs/reliability.md) measured it with and without these settings.

``tune_heap()`` sets, with ``mallopt``, two arenas at most and a fixed 256 KiB mmap
threshold. It must run before the process starts threads (the arenas are made by the
threads that first allocate) and it leaves alone a setting the environment already makes
(``MALLOC_ARENA_MAX``, ``MALLOC_MMAP_THRESHOLD_``), so another value can still be tried
without a change. Off glibc it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os

log = logging.getLogger(__name__)

M_MMAP_THRESHOLD = -3  # malloc.h
M_ARENA_MAX = -8
ARENA_MAX = 2
MMAP_THRESHOLD_BYTES = 256 * 1024  # a video packet or frame above this is mapped, and unmapped when freed

SETTINGS = ((M_ARENA_MAX, ARENA_MAX, "MALLOC_ARENA_MAX"),
            (M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES, "MALLOC_MMAP_THRESHOLD_"))


def tune_heap(environ: dict[str, str] | os._Environ = os.environ) -> list[str]:
    """Make the settings the environment does not already make; the names of those made.

    Called on the main thread at start, before any other thread exists.
    """
    libc = _glibc()
    if libc is None:
        return []
    made = []
    for param, value, env_name in SETTINGS:
        if env_name in environ:
            continue
        if libc.mallopt(param, value) == 1:
            made.append(env_name)
        else:
            log.debug("mallopt(%d, %d) was refused; %s stays at glibc's default", param, value, env_name)
    return made


def _glibc() -> ctypes.CDLL | None:
    """The C library when it is glibc (which has ``mallopt`` and ``gnu_get_libc_version``), else None."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.gnu_get_libc_version  # noqa: B018  (musl and others have no such function)
        libc.mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
        libc.mallopt.restype = ctypes.c_int
    except (OSError, AttributeError):
        return None
    return libc
