"""The players the video benchmark puts on the virtual screen, and the CPU their processes use.

Each player shows N copies of one stream laid out in a grid of 16:9 cells at the top left
of the screen, so the picture of every copy is at a known place:

- ``mcv`` (per renderer): the console's ``VideoWallPanel`` in one child process
  (``clock_wall_window.py``), which reports where its tiles are;
- ``mpv --profile=low-latency --untimed`` and ``ffplay -fflags nobuffer -flags low_delay
  -framedrop -sync video``: N processes, one borderless window per cell.

All pull RTSP over TCP (the console's default transport) and draw in software into X
(mpv ``--vo=x11``; ffplay's SDL with its software renderer; the wall through Qt's raster
engine): on a machine without a GPU, OpenGL through llvmpipe would cost each of them
several times more and measure the software rasteriser, not the player.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from clock_barcode import FRAME_HEIGHT, FRAME_WIDTH, PictureRect

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from radios.child_process import die_with_parent  # noqa: E402

WALL_SCRIPT = Path(__file__).with_name("clock_wall_window.py")
GRID_WIDTH = 1280
"""Width of the area the copies share; its height is the 16:9 of it (plus the wall's toolbar)."""
WALL_TOOLBAR_PX = 34
"""Room the wall's toolbar takes above its tiles, so its tiles come out near the cells' size."""
LAYOUTS = {1: "1", 4: "2x2", 9: "3x3"}
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cells(count: int) -> list[tuple[int, int, int, int]]:
    """``left, top, width, height`` of the 16:9 cells for ``count`` copies (1, 4 or 9)."""
    side = {1: 1, 4: 2, 9: 3}[count]
    width = GRID_WIDTH // side
    height = width * FRAME_HEIGHT // FRAME_WIDTH
    return [((i % side) * width, (i // side) * height, width, height) for i in range(count)]


@dataclass
class RunningPlayer:
    """One player's processes on the screen and where each copy's picture is."""

    name: str
    processes: list[subprocess.Popen]
    started_at: float
    pictures: list[PictureRect] = field(default_factory=list)
    shown_at: float | None = None  # the player's own reports, where it makes them
    first_paint_at: float | None = None
    _unread: bytes = b""  # the start of a line the player has not finished printing

    def alive(self) -> bool:
        return all(process.poll() is None for process in self.processes)

    def cpu_seconds(self) -> float:
        """CPU time (user + system) so far of every process and all their descendants."""
        return sum(tree_cpu_seconds(process.pid) for process in self.processes)

    def stop(self) -> None:
        """Terminate every process (kill what lingers), reap them, close their pipes."""
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=8)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
            if process.stdout is not None:
                process.stdout.close()


def tree_cpu_seconds(root: int) -> float:
    """User + system CPU seconds of ``root`` and its live descendants (with their reaped children)."""
    parents: dict[int, int] = {}
    times: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += times.get(pid, 0)
        todo.extend(child for child, parent in parents.items() if parent == pid)
    return total / CLK_TCK


def _spawn(command: list[str], env: dict[str, str], stdout=subprocess.DEVNULL) -> subprocess.Popen:
    # Unbuffered bytes: select() then tells the truth about what is left to read.
    return subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=stdout, stderr=subprocess.DEVNULL,
                            bufsize=0, preexec_fn=die_with_parent)


def start_mpv(url: str, count: int, env: dict[str, str]) -> RunningPlayer:
    started = time.time()
    processes = [_spawn(["mpv", "--profile=low-latency", "--untimed", "--no-audio", "--vo=x11", "--hwdec=no",
                         "--rtsp-transport=tcp", "--no-border", f"--geometry={w}x{h}+{x}+{y}", "--no-osc",
                         "--osd-level=0", "--no-input-default-bindings", "--no-terminal", "--no-config",
                         url], env)
                 for x, y, w, h in cells(count)]
    return RunningPlayer("mpv", processes, started, [PictureRect.fitted(*cell) for cell in cells(count)])


def start_ffplay(url: str, count: int, env: dict[str, str]) -> RunningPlayer:
    started = time.time()
    sdl_env = {**env, "SDL_RENDER_DRIVER": "software"}
    processes = [_spawn(["ffplay", "-hide_banner", "-loglevel", "error", "-fflags", "nobuffer", "-flags", "low_delay",
                         "-framedrop", "-sync", "video", "-rtsp_transport", "tcp", "-an", "-noborder",
                         "-x", str(w), "-y", str(h), "-left", str(x), "-top", str(y), url], sdl_env)
                 for x, y, w, h in cells(count)]
    return RunningPlayer("ffplay", processes, started, [PictureRect.fitted(*cell) for cell in cells(count)])


def start_wall(url: str, count: int, env: dict[str, str], renderer: str, timeout_s: float = 20.0) -> RunningPlayer:
    """The wall in its own process; returns once it has said where its tiles are."""
    width = GRID_WIDTH
    height = cells(1)[0][3] + WALL_TOOLBAR_PX
    started = time.time()
    process = _spawn([sys.executable, str(WALL_SCRIPT), url, str(count), LAYOUTS[count],
                      f"{width}x{height}+0+0", "--renderer", renderer],
                     {**env, "QT_QPA_PLATFORM": "xcb"}, stdout=subprocess.PIPE)
    player = RunningPlayer(f"mcv {renderer}", [process], started)
    deadline = time.monotonic() + timeout_s
    while not player.pictures and time.monotonic() < deadline:
        if process.poll() is not None:
            break
        read_wall_reports(player, 0.1)
    if not player.pictures:
        player.stop()
        raise RuntimeError(f"the wall ({renderer}) did not show its tiles within {timeout_s:g} s")
    return player


def read_wall_reports(player: RunningPlayer, wait_s: float = 0.0) -> None:
    """Take in what the wall's process printed (its tiles, its first paint) without blocking long."""
    stdout = player.processes[0].stdout
    if stdout is None or stdout.closed:
        return
    while select.select([stdout], [], [], wait_s)[0]:
        chunk = os.read(stdout.fileno(), 65536)
        if not chunk:
            return
        *lines, player._unread = (player._unread + chunk).split(b"\n")
        for line in lines:
            word, _, rest = line.decode(errors="replace").partition(" ")
            if word == "TILES":
                player.pictures = [PictureRect.fitted(*rect) for rect in json.loads(rest)]
            elif word == "SHOWN" and player.shown_at is None:
                player.shown_at = float(rest)
            elif word == "FIRST_PAINT" and player.first_paint_at is None:
                player.first_paint_at = float(rest)
        wait_s = 0.0
