"""One video tile: paints a stream's newest decoded frame under an overlay of its name,
state and health.

The ingest worker calls the tile's feed on its own threads. The feed converts each frame
right there, at the tile's size and in the 32-bit layout Qt's raster engine paints without
converting again (``video.frames.ScreenScaler``), keeps only the newest one and posts at
most one queued signal until the GUI thread has taken it, so frames that arrive faster
than the tile paints are dropped and the ingest thread never waits on the GUI. The GUI
thread only wraps the buffer in a ``QImage`` and copies it to the screen unscaled:
in-process decoding stalls while the GUI thread holds the GIL, so its work per frame
stays tiny.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPalette
from PySide6.QtWidgets import QMenu, QWidget

from console.tile_bar_cache import TileBarCache, draw_bar
from radios.config import mask_url
from video.frames import ScreenImage, ScreenScaler
from video.health import StreamHealth, StreamState
from video.stream_settings import StreamSettings

if TYPE_CHECKING:  # PyAV loads FFmpeg (~50 ms); only the ingest needs it at run time
    import av

MIN_TILE_SIZE = QSize(160, 90)
AGE_SMOOTHING = 0.1
"""Weight of the newest sample in the shown console delay (an exponential moving average)."""
DELAY_LABEL_PERIOD_S = 0.5
"""How often the console delay figure on the tile changes: readable, and the health bar is
drawn again only when its text changes (``TileBarCache``), not at every picture."""

_LOST_RED = QColor("#e5484d")
_DIM = QColor(0, 0, 0, 170)


@dataclass(frozen=True)
class _Picture:
    """A converted frame waiting to be painted, with the time its data reached the ingest."""

    image: ScreenImage
    received_at: float  # the ingest's stamp (frame.opaque), or when the frame reached the tile if it has none
    generation: int


class TileFeed:
    """The callbacks one ingest worker gives its frames and health to; bound to one tile.

    A tile hands out a new feed whenever its source changes; frames and health from an
    older feed (a worker still winding down) are dropped.
    """

    def __init__(self, tile: VideoTileWidget, generation: int) -> None:
        self._tile = tile
        self._generation = generation
        self._scaler = ScreenScaler()  # used by this feed's ingest thread only

    def on_frame(self, frame: av.VideoFrame) -> None:
        """Called on the ingest thread: convert at the tile's size, keep only the newest."""
        self._tile._take_frame(frame, self._generation, self._scaler)

    def on_health(self, health: StreamHealth) -> None:
        """Called on the ingest or watchdog thread: queue the snapshot to the GUI thread."""
        self._tile._health_arrived.emit(self._generation, health)

    def ingest_options(self) -> dict[str, object]:
        """The ``RtspIngestWorker`` keyword arguments that feed this tile (the renderers differ)."""
        return {"on_frame": self.on_frame, "on_health": self.on_health}


class VideoTileWidget(QWidget):
    """Shows one stream: the newest picture, "Connecting…" before the first one and
    "SIGNAL LOST" over the dimmed last picture when the ingest says the stream is lost.

    Everything here runs on the GUI thread except ``TileFeed``'s calls into
    ``_take_frame``, which touch only ``_lock``-guarded fields and ``_target``.
    """

    double_clicked = Signal(str)  # stream id
    snapshot_saved = Signal(str)  # path of the PNG written
    shown = Signal(str)  # stream id; the tile became visible (its wall or dock was shown)
    hidden = Signal(str)  # stream id; the tile is no longer visible, so its picture is not needed

    # Hops from the ingest worker's threads to the GUI thread (queued connections).
    _frame_arrived = Signal()
    _health_arrived = Signal(int, object)  # feed generation, StreamHealth

    def __init__(self, stream: StreamSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stream_id = stream.id
        self._stream = stream
        self._shown_url = mask_url(stream.url)
        self._generation = 0
        self._health = StreamHealth(stream.id)
        self._lock = threading.Lock()  # guards _pending and _posted
        self._pending: _Picture | None = None
        self._posted = False
        self._target = (MIN_TILE_SIZE.width(), MIN_TILE_SIZE.height())  # device pixels; read by the feed
        self._image: QImage | None = None
        self._shown: _Picture | None = None  # keeps the buffer under _image alive
        self._age_counted = True
        self.painted_frames = 0
        # From a frame's data reaching the ingest to its paint: this console's part of the delay, smoothed.
        self.console_delay_ms: float | None = None
        self._delay_label: tuple[float, float] | None = None  # (when, figure) the health bar shows
        self._title_bar = TileBarCache()
        self._health_bar = TileBarCache()
        self.recording = False  # the gateway records this stream as evidence: the REC dot (set by the wall)
        self.focused = False
        # Painters called as overlay(painter, area) over the picture, e.g. the drone HUD (GUI thread).
        self.overlays: list = []
        self.sending_to_hq = False  # the gateway sends this stream to HQ: the HQ marker (console/dispatch_actions.py)
        # Callables menu_extender(menu) adding their actions to the tile's context menu (GUI thread).
        self.menu_extenders: list = []
        self._newest_frame: av.VideoFrame | None = None  # full size, for snapshots; set by the ingest thread
        self.setMinimumSize(MIN_TILE_SIZE)
        self.setAttribute(Qt.WA_OpaquePaintEvent)
        self._frame_arrived.connect(self._on_feed_frame)
        self._health_arrived.connect(self._on_feed_health)
        self._update_tooltip()

    # -- the source ------------------------------------------------------------------

    def attach(self, sub_stream: bool = False) -> TileFeed:
        """A feed for a new worker on the main (or sub) stream; older feeds go quiet."""
        self._generation += 1
        url = self._stream.sub_url if sub_stream and self._stream.sub_url else self._stream.url
        self._shown_url = mask_url(url)
        self._health = StreamHealth(self.stream_id)
        self._update_tooltip()
        self.update()
        return TileFeed(self, self._generation)

    def detach(self) -> None:
        """Ignore whatever the current feed still delivers (its worker is stopping)."""
        self._generation += 1

    @property
    def stream(self) -> StreamSettings:
        return self._stream

    @property
    def health(self) -> StreamHealth:
        return self._health

    @property
    def has_picture(self) -> bool:
        return self._image is not None

    # -- what the overlay says (also for tests and screen readers) --------------------

    def title_text(self) -> str:
        return f"{self._stream.name} · {self.kind_label()} · {self._state_label()}"

    def health_text(self) -> str:
        """``25 fps · console delay 40 ms · 2 reconnects · 812 kb/s · 640x360``: only figures that are
        known, what matters most first (a small tile shows only the start)."""
        health = self._health
        parts = []
        if health.state is StreamState.PLAYING and health.fps > 0:  # measured from the second frame on
            parts.append(self.tr("{fps:.0f} fps").format(fps=health.fps))
        if self._delay_label is not None and health.state is StreamState.PLAYING:
            parts.append(self.tr("console delay {ms:.0f} ms").format(ms=self._delay_label[1]))
        if health.reconnects:
            parts.append(self.tr("{count} reconnects").format(count=health.reconnects))
        if health.bitrate_kbps:
            parts.append(self.tr("{kbps:.0f} kb/s").format(kbps=health.bitrate_kbps))
        if health.resolution:
            parts.append(health.resolution)
        return " · ".join(parts)

    def centre_text(self) -> str:
        """The big message in the middle of the tile, or an empty string while playing."""
        state = self._health.state
        if state is StreamState.SIGNAL_LOST and not self.has_picture and self._health.last_error:
            return self.tr("NO PICTURE")  # it never played: the reason below says why
        if state is StreamState.SIGNAL_LOST:
            return self.tr("SIGNAL LOST")
        if state is StreamState.STOPPED and not self.has_picture:
            return self.tr("Stopped")
        if not self.has_picture:
            return self.tr("Connecting…")
        return ""

    def detail_text(self) -> str:
        """Under the big message: how long the picture has been gone, and why."""
        health = self._health
        lines = []
        if health.state is StreamState.SIGNAL_LOST and health.frame_age_s is not None:
            lines.append(self.tr("no picture for {seconds:.0f} s").format(seconds=health.frame_age_s))
        if health.last_error and health.state is not StreamState.PLAYING:
            lines.append(health.last_error)
        return "\n".join(lines)

    def _state_label(self) -> str:
        if self._health.state is StreamState.SIGNAL_LOST and not self.has_picture and self._health.last_error:
            return self.tr("no picture")  # it never played; "lost" would say it had
        return {
            StreamState.CONNECTING: self.tr("connecting"),
            StreamState.PLAYING: self.tr("live"),
            StreamState.SIGNAL_LOST: self.tr("signal lost"),
            StreamState.RECONNECTING: self.tr("reconnecting"),
            StreamState.STOPPED: self.tr("stopped"),
        }[self._health.state]

    def kind_label(self) -> str:
        return {
            "drone": self.tr("drone"),
            "bodycam": self.tr("body camera"),
            "mast": self.tr("mast camera"),
            "fixed": self.tr("fixed camera"),
            "tak": self.tr("TAK device"),
        }.get(self._stream.kind, self._stream.kind)

    def _update_tooltip(self) -> None:
        lines = [f"{self._stream.name} ({self.kind_label()})", self._shown_url]
        if self.recording:
            lines.append(self.tr("REC: the gateway is recording this stream as evidence"))
        if self._health.last_error:
            lines.append(self._health.last_error)
        lines.append(self.tr("Console delay: from the picture's data reaching this console to its display; "
                             "the camera and the network add theirs"))
        self.setToolTip("\n".join(lines))
        self.setAccessibleName(self.title_text() + (" · REC" if self.recording else ""))

    def set_recording(self, recording: bool) -> None:
        """Show or hide the REC dot: whether the gateway says it records this stream (GUI thread)."""
        if recording != self.recording:
            self.recording = recording
            self._update_tooltip()
            self.update()

    # -- frames: the ingest thread ----------------------------------------------------

    def _take_frame(self, frame: av.VideoFrame, generation: int, scaler: ScreenScaler) -> None:
        """Ingest thread: scale to the tile, keep as the newest, wake the GUI once."""
        if generation != self._generation:
            return
        self._newest_frame = frame
        received_at = frame.opaque if isinstance(frame.opaque, float) else time.monotonic()
        width, height = _fit(frame.width, frame.height, *self._target)
        picture = _Picture(scaler.scale(frame, width, height), received_at, generation)
        with self._lock:
            self._pending = picture
            wake, self._posted = not self._posted, True
        if wake:
            self._frame_arrived.emit()

    # -- the GUI thread ---------------------------------------------------------------

    def _on_feed_frame(self) -> None:
        with self._lock:
            picture, self._pending, self._posted = self._pending, None, False
        if picture is None or picture.generation != self._generation:
            return
        image = picture.image
        self._image = QImage(image.data, image.width, image.height, image.stride, QImage.Format_RGB32)
        self._shown = picture
        self._age_counted = False
        self.update()

    def _on_feed_health(self, generation: int, health: StreamHealth) -> None:
        if generation != self._generation:
            return
        changed = (health.state, health.last_error) != (self._health.state, self._health.last_error)
        self._health = health
        if changed:
            self._update_tooltip()
        self.update()

    def resizeEvent(self, event) -> None:
        ratio = self.devicePixelRatioF()
        self._target = (max(2, round(self.width() * ratio)), max(2, round(self.height() * ratio)))
        super().resizeEvent(event)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.shown.emit(self.stream_id)

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self.hidden.emit(self.stream_id)

    def mouseDoubleClickEvent(self, event) -> None:
        self.double_clicked.emit(self.stream_id)
        super().mouseDoubleClickEvent(event)

    def contextMenuEvent(self, event) -> None:
        menu = QMenu(self)
        menu.addAction(self.tr("Snapshot"), self.take_snapshot).setEnabled(self._newest_frame is not None)
        self.extend_menu(menu)
        menu.exec(event.globalPos())

    def extend_menu(self, menu: QMenu) -> None:
        """Let ``menu_extenders`` add their actions (Send to HQ…) to a context menu being built."""
        for extend in self.menu_extenders:
            extend(menu)

    def take_snapshot(self, data_dir=None):
        """Save the newest full-size picture under ``<data folder>/snapshots/``; its path, or None."""
        from console.tile_snapshot import save_frame_snapshot

        frame = self._newest_frame
        path = None if frame is None else save_frame_snapshot(frame, self.stream_id, data_dir)
        if path is not None:
            self.snapshot_saved.emit(str(path))
        return path

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        bounds = self.rect()
        if self._image is None:
            painter.fillRect(bounds, Qt.black)
        else:
            ratio = self.devicePixelRatioF()
            width, height = _fit(self._image.width(), self._image.height(),
                                 round(bounds.width() * ratio), round(bounds.height() * ratio))
            width, height = round(width / ratio), round(height / ratio)
            picture_rect = QRect((bounds.width() - width) // 2, (bounds.height() - height) // 2, width, height)
            for strip in _letterbox(bounds, picture_rect):  # black around a picture of another shape
                painter.fillRect(strip, Qt.black)
            painter.drawImage(picture_rect, self._image)
            self._count_painted()
        lost = self._health.state is StreamState.SIGNAL_LOST
        if lost and self._image is not None:
            painter.fillRect(bounds, _DIM)
        self._paint_overlay(painter, bounds, lost)
        painter.end()

    def _count_painted(self) -> None:
        if self._age_counted or self._shown is None:
            return
        self._age_counted = True
        self.painted_frames += 1
        age_ms = (time.monotonic() - self._shown.received_at) * 1000
        previous = self.console_delay_ms
        self.console_delay_ms = age_ms if previous is None else previous + AGE_SMOOTHING * (age_ms - previous)
        now = time.monotonic()
        if self._delay_label is None or now - self._delay_label[0] >= DELAY_LABEL_PERIOD_S:
            self._delay_label = (now, self.console_delay_ms)

    def _paint_overlay(self, painter: QPainter, bounds: QRect, lost: bool) -> None:
        base = QFont(self.font())
        base.setPixelSize(max(11, min(14, bounds.height() // 16)))
        painter.setFont(base)
        line = painter.fontMetrics().height() + 4
        top = QRect(0, 0, bounds.width(), line)
        bottom = QRect(0, bounds.height() - line, bounds.width(), line)
        title, health = self.title_text(), self.health_text()
        rec = self.tr("REC") if self.recording else None
        self._title_bar.paint(painter, top, (title, rec, base.key()),
                              lambda bar_painter, bar: draw_bar(bar_painter, bar, base, title, rec))
        self._health_bar.paint(painter, bottom, (health, base.key()),
                               lambda bar_painter, bar: draw_bar(bar_painter, bar, base, health))
        centre = self.centre_text()
        if centre:
            big = QFont(base)
            big.setBold(lost)
            big.setPixelSize(max(14, min(bounds.height() // 6, bounds.width() // 10)) if lost else base.pixelSize() + 4)
            painter.setFont(big)
            painter.setPen(_LOST_RED if lost else self.palette().color(QPalette.PlaceholderText))
            middle = bounds.adjusted(8, line, -8, -line)
            text_height = painter.fontMetrics().height()
            headline = QRect(middle.left(), middle.center().y() - text_height, middle.width(), text_height)
            painter.drawText(headline, Qt.AlignCenter, centre)
            detail = self.detail_text()
            below = QRect(middle.left(), headline.bottom() + 4, middle.width(), middle.bottom() - headline.bottom() - 4)
            if detail and below.height() > 0:
                painter.setFont(base)
                painter.setPen(Qt.white)
                painter.setClipRect(below)  # a small tile shows what fits; the tooltip has the rest
                painter.drawText(below, Qt.AlignHCenter | Qt.AlignTop | Qt.TextWordWrap, detail)
                painter.setClipping(False)
        for overlay in self.overlays:  # between the title and health bars
            overlay(painter, bounds.adjusted(0, line, 0, -line))
        if self.focused:
            painter.setPen(self.palette().color(QPalette.Highlight))
            painter.drawRect(bounds.adjusted(0, 0, -1, -1))


def _letterbox(bounds: QRect, picture: QRect) -> list[QRect]:
    """The parts of ``bounds`` that ``picture`` (centred inside it) leaves uncovered: at most four strips."""
    strips = [QRect(bounds.left(), bounds.top(), bounds.width(), picture.top() - bounds.top()),
              QRect(bounds.left(), picture.bottom() + 1, bounds.width(), bounds.bottom() - picture.bottom()),
              QRect(bounds.left(), picture.top(), picture.left() - bounds.left(), picture.height()),
              QRect(picture.right() + 1, picture.top(), bounds.right() - picture.right(), picture.height())]
    return [strip for strip in strips if strip.width() > 0 and strip.height() > 0]


def _fit(width: int, height: int, box_width: int, box_height: int) -> tuple[int, int]:
    """The largest ``width:height`` size inside the box, in even pixels of at least 2."""
    if width <= 0 or height <= 0:
        return max(2, box_width), max(2, box_height)
    scale = min(box_width / width, box_height / height)
    return max(2, round(width * scale) & ~1), max(2, round(height * scale) & ~1)
