"""libvlc as a video renderer: one engine per process, one player per tile, fed by a ``TsRelayWorker``.

``VlcEngine`` owns the process's ``vlc.Instance``; the composition root makes it (and
closes it last), never this module. Its options are the ones measured best here (see
FIELD.md): X11 output without OpenGL (software GL costs a core per stream on a machine
without a GPU), one decoder thread (frame threading holds pictures back), no title or
on-screen text over the picture. ``VlcPlayer`` plays one relay's pipe as MPEG-TS with a
100 ms input cache into one X window (a drawable is an int handle here; the console
gives a native widget's ``winId()``).

libvlc fires no event for a stalled input and keeps showing the last picture, so a
player says nothing about liveness: that stays with the ingest's health. Stopping a
libvlc player joins its threads; ``VlcPlayer.close`` therefore hands the stop and the
release to a short-lived thread ``mcv-video-vlc-release-<id>`` and returns at once, and
``VlcEngine.close`` waits for those before it releases the instance.

Snapshots come from libvlc itself (``video_take_snapshot``): the picture being shown, at
the stream's own size, with no decoder kept in the ingest for them.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # libvlc loads on first use: the console starts without it
    import vlc

log = logging.getLogger(__name__)

ENGINE_OPTIONS = (
    "--no-xlib",  # the console owns the X connection; libvlc uses xcb only
    "--gl=none",  # X11 output: software OpenGL costs a core per stream without a GPU
    "--gles2=none",
    "--avcodec-threads=1",  # frame threading would hold back a picture per thread
    "--no-video-title-show",
    "--no-osd",
    "--no-spu",
    "--no-snapshot-preview",
    "--quiet",
)
MEDIA_OPTIONS = (
    ":demux=ts",  # the relay writes MPEG-TS; no probing
    ":file-caching=100",  # ms; the pipe's input cache (libvlc's default is a second)
    ":no-audio",  # a wall of tiles stays silent, as the frames renderer does
)
SNAPSHOT_TIMEOUT_S = 2.0
RELEASE_TIMEOUT_S = 5.0
INSTALL_FIX = "install it with: apt-get install libvlc5 vlc-plugin-base vlc-plugin-video-output"


class VlcUnavailable(RuntimeError):
    """libvlc cannot be used here; the message names the cause and the fix, for people."""


class VlcEngine:
    """Owns the process's one ``vlc.Instance`` and the threads releasing its players.

    Made by the composition root with ``create()`` (on the GUI thread), handed to every
    tile that plays through libvlc, closed once after the last player (``close``).
    """

    def __init__(self, module: object, instance: vlc.Instance, options: tuple[str, ...]) -> None:
        self._vlc = module
        self.instance = instance
        self.options = options
        self.version = module.libvlc_get_version().decode(errors="replace")
        self._releasers: list[threading.Thread] = []
        self._lock = threading.Lock()  # guards _releasers

    @classmethod
    def create(cls, options: tuple[str, ...] = ENGINE_OPTIONS) -> VlcEngine:
        """Load libvlc and make its instance; raise ``VlcUnavailable`` saying why not and what to do."""
        try:
            import vlc
        except (ImportError, OSError, NotImplementedError, AttributeError, NameError) as exc:
            raise VlcUnavailable(f"libvlc cannot be loaded ({exc}); {INSTALL_FIX}") from exc
        try:
            instance = vlc.Instance(list(options))
        except (OSError, NameError, AttributeError) as exc:  # python-vlc without a usable libvlc
            raise VlcUnavailable(f"libvlc cannot be loaded ({exc}); {INSTALL_FIX}") from exc
        if instance is None:
            raise VlcUnavailable(
                f"libvlc {vlc.libvlc_get_version().decode(errors='replace')} refused the options "
                f"{' '.join(options)}; libvlc 3.0 or newer with its X11 video output is needed: {INSTALL_FIX}")
        engine = cls(vlc, instance, tuple(options))
        log.info("libvlc %s ready for video tiles", engine.version)
        return engine

    def player(self, name: str, read_fd: int, window_id: int | None) -> VlcPlayer:
        """A player for one relay's pipe drawing into ``window_id`` (not started yet).

        ``None``: no window of ours; libvlc uses the engine's ``--vout`` (``dummy`` in tests).
        """
        return VlcPlayer(self, name, read_fd, window_id)

    def close(self, timeout: float = RELEASE_TIMEOUT_S) -> bool:
        """Wait for players still being released, then release the instance; returns whether all ended.

        Called once by the composition root after the last player was closed (GUI thread).
        """
        deadline = time.monotonic() + timeout
        with self._lock:
            releasers, self._releasers = self._releasers, []
        for thread in releasers:
            thread.join(max(0.0, deadline - time.monotonic()))
        ended = not any(thread.is_alive() for thread in releasers)
        if ended and self.instance is not None:
            self.instance.release()
            self.instance = None
        elif not ended:
            log.warning("libvlc players did not stop within %.0f s; leaving libvlc loaded", timeout)
        return ended

    def _release_later(self, name: str, player: vlc.MediaPlayer, media: vlc.Media) -> None:
        """Stop and release a player on a thread of its own, so the caller never waits on libvlc."""

        def release() -> None:
            player.stop()
            player.release()
            media.release()

        thread = threading.Thread(target=release, name=f"mcv-video-vlc-release-{name}", daemon=True)
        with self._lock:
            self._releasers = [t for t in self._releasers if t.is_alive()] + [thread]
        thread.start()


class VlcPlayer:
    """Plays one relay pipe into one X window. Call from one thread (the GUI thread).

    The window must stay alive until ``close()``; libvlc draws into it from its own
    threads, and its mouse and key input go to the window's owner, not to libvlc.
    """

    def __init__(self, engine: VlcEngine, name: str, read_fd: int, window_id: int | None) -> None:
        self.name = name
        self._engine = engine
        # libvlc opens a path of its own onto the pipe, so the relay may close its fd whenever it stops.
        self._media = engine.instance.media_new(f"file:///proc/self/fd/{read_fd}", *MEDIA_OPTIONS)
        self._player = engine.instance.media_player_new()
        self._player.set_media(self._media)
        self._player.video_set_mouse_input(False)
        self._player.video_set_key_input(False)
        if window_id is not None:
            self._player.set_xwindow(window_id)  # this overrides --vout
        self._closed = False

    def play(self) -> None:
        """Start reading the pipe and showing pictures; returns at once."""
        if self._player.play() != 0:
            log.warning("Stream %s: libvlc could not start playing the relay", self.name)

    def displayed_pictures(self) -> int:
        """Pictures libvlc has shown since ``play`` (0 after ``close``)."""
        if self._closed:
            return 0
        stats = self._engine._vlc.MediaStats()
        if not self._media.get_stats(stats):
            return 0
        return int(stats.displayed_pictures)

    def video_size(self) -> tuple[int, int] | None:
        """The size of the pictures being shown, or None before the first one."""
        if self._closed:
            return None
        size = self._player.video_get_size(0)
        return tuple(size) if size and size[0] > 0 and size[1] > 0 else None

    def take_snapshot(self, path: Path) -> bool:
        """Save the picture being shown as PNG at the stream's own size; returns whether it was written.

        Waits for libvlc (a picture's time, at most ``SNAPSHOT_TIMEOUT_S``).
        """
        if self._closed or self.video_size() is None:
            return False
        started = time.monotonic()
        if self._player.video_take_snapshot(0, str(path), 0, 0) != 0:
            return False
        while not path.exists() and time.monotonic() - started < SNAPSHOT_TIMEOUT_S:
            time.sleep(0.01)
        return path.exists() and path.stat().st_size > 0

    def close(self) -> None:
        """Stop and release the player without waiting for libvlc (safe to call again)."""
        if self._closed:
            return
        self._closed = True
        self._engine._release_later(self.name, self._player, self._media)
