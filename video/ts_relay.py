"""Feeds an in-process player from the ingest: packets remuxed into MPEG-TS and written into a pipe.

Debian's libvlc cannot open RTSP, so the ingest's one network pull per camera feeds it
instead. ``TsRelayWorker.on_packet`` is subscribed to ``RtspIngestWorker(on_packet=...)``;
on the ingest thread it only copies the packet into a bounded queue. The writer thread
``mcv-video-relay-<id>`` muxes the copies into MPEG-TS (no re-encoding; video, and audio
where the camera sends it) and writes the result into an ``os.pipe()`` whose read end
(``read_fd``) the player opens. The muxer flushes after every packet: the pipe carries
each picture as soon as it arrived, never a buffer's worth later.

The ingest thread never waits on the player. When the player does not keep up, the
queue fills (``queue_bytes``) or its oldest packet grows stale (``max_lag_s``); the
relay then drops whole packets up to the next video key frame, so the player sees a
short gap instead of a picture falling further and further behind. A reconnect of the
ingest is a new input with new stream parameters: the relay ends its muxer and starts a
new one on the same pipe at the next key frame, and the player carries on reading.
``stop()`` ends the thread and closes both ends of the pipe.
"""

from __future__ import annotations

import collections
import errno
import logging
import os
import select
import threading
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import av
import av.error

from video.packet_copy import PacketCopy

if TYPE_CHECKING:
    from av.container import InputContainer, OutputContainer

log = logging.getLogger(__name__)

QUEUE_BYTES = 2 << 20
"""About four seconds of a 4 Mbit/s camera; a key frame burst always fits."""
MAX_LAG_S = 0.5
"""A packet queued for longer than this means the player is behind: drop to the next key frame."""
WRITE_WAIT_S = 0.1
"""How often a writer waiting on a full pipe checks whether it was told to stop."""
STOP_TIMEOUT_S = 2.0
_RELAYED_TYPES = ("video", "audio")
# Flush after every packet (the pipe carries each picture at once); no interleaving wait
# when a camera's audio lags its video.
_MUXER_OPTIONS = {"flush_packets": "1", "max_interleave_delta": "1"}


@dataclass(frozen=True)
class RelayStatus:
    """What the relay has done so far (counters since ``start``)."""

    stream_id: str
    sessions: int = 0  # inputs seen: 1, then one more per reconnect of the ingest
    packets_written: int = 0
    bytes_written: int = 0
    dropped_packets: int = 0  # left out while waiting for a key frame, or because the player was behind
    dropped_gops: int = 0  # times the player fell behind and the relay skipped to the next key frame
    mux_errors: int = 0  # packets the muxer refused (missing or backward timestamps)


@dataclass(frozen=True)
class _Session:
    """A new input: a fresh muxer on the pipe, with one output stream per relayed input stream."""

    output: OutputContainer
    streams: dict[int, av.stream.Stream]


class _Stopping(Exception):
    """Raised inside the muxer's write when the relay is told to stop while the pipe is full."""


_STOP = object()


class TsRelayWorker:
    """Owns one stream's pipe to a player and the writer thread ``mcv-video-relay-<id>``.

    ``start()`` once (it makes the pipe), hand ``read_fd`` to the player, subscribe
    ``on_packet`` to the ingest; ``stop()`` any number of times, from any thread.
    ``on_packet`` before ``start`` or after ``stop`` is ignored.
    """

    def __init__(self, stream_id: str, *, queue_bytes: int = QUEUE_BYTES, max_lag_s: float = MAX_LAG_S,
                 clock=time.monotonic) -> None:
        self.stream_id = stream_id
        self._queue_bytes_limit = queue_bytes
        self._max_lag_s = max_lag_s
        self._clock = clock
        self._status = RelayStatus(stream_id)
        self._status_lock = threading.Lock()
        self._queue: collections.deque[object] = collections.deque()
        self._queued_bytes = 0
        self._ready = threading.Condition()  # guards _queue and _queued_bytes
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._read_fd: int | None = None
        self._write_fd: int | None = None
        self._accepting = False
        # Ingest-thread state: the current input, its relayed streams, whether to skip to a key frame.
        self._input: InputContainer | None = None
        self._video_index = -1
        self._relayed: frozenset[int] = frozenset()
        self._skip_to_key = True
        # Writer-thread state.
        self._session: _Session | None = None
        self._reader_gone = False

    @property
    def read_fd(self) -> int:
        """The pipe's read end, for the player to open (valid from ``start`` until ``stop``)."""
        if self._read_fd is None:
            raise RuntimeError(f"the relay of stream {self.stream_id!r} is not running; start it first")
        return self._read_fd

    def start(self) -> None:
        """Make the pipe and start the writer thread; returns at once (any thread)."""
        if self._thread is not None:
            raise RuntimeError(f"relay of stream {self.stream_id!r} was already started; make a new one")
        self._read_fd, self._write_fd = os.pipe()
        os.set_blocking(self._write_fd, False)  # a full pipe must not hold the writer past a stop
        self._thread = threading.Thread(target=self._run, name=f"mcv-video-relay-{self.stream_id}", daemon=True)
        self._accepting = True
        self._thread.start()

    def stop(self, timeout: float | None = STOP_TIMEOUT_S) -> bool:
        """Tell the writer to end and wait up to ``timeout`` s (0: not at all); returns whether it ended.

        The writer closes both ends of the pipe as it ends, which takes at most about
        ``WRITE_WAIT_S`` even when the player stopped reading. Safe to call again.
        """
        self._accepting = False
        self._stopping.set()
        with self._ready:
            self._queue.append(_STOP)
            self._ready.notify()
        thread = self._thread
        if thread is None:
            return True
        if thread is not threading.current_thread():
            thread.join(timeout)
        return not thread.is_alive()

    def status(self) -> RelayStatus:
        """The relay's counters right now (any thread)."""
        with self._status_lock:
            return self._status

    # --- the ingest thread -------------------------------------------------------------

    def on_packet(self, packet: av.Packet) -> None:
        """Copy one demuxed packet into the queue; called on the ingest thread, never waits."""
        if not self._accepting:
            return
        container = packet.stream.container
        if container is not self._input:
            self._new_session(container)
        if packet.stream_index not in self._relayed:
            return
        video = packet.stream_index == self._video_index
        key = bool(packet.is_keyframe)
        if self._skip_to_key and not (video and key):
            self._count(dropped_packets=1)
            return
        now = self._clock()
        copy = PacketCopy.of(packet, video=video, arrived=now)
        purged = 0
        with self._ready:
            behind = self._behind(now, len(copy.data))
            if behind and video and key:
                # A key frame starts a picture of its own: what still waits is stale, and goes.
                purged = self._purge_copies()
                behind = self._behind(now, len(copy.data))
            if not behind:
                self._queue.append(copy)
                self._queued_bytes += len(copy.data)
                self._ready.notify()
        if (purged or behind) and not self._skip_to_key:
            self._count(dropped_gops=1)
            level = logging.WARNING if self.status().dropped_gops == 1 else logging.DEBUG
            log.log(level, "Stream %s: the player is not keeping up; dropping video up to the next key frame",
                    self.stream_id)
        if purged or behind:
            self._count(dropped_packets=purged + behind)
        self._skip_to_key = behind

    def _behind(self, now: float, size: int) -> bool:
        """Whether the player is behind: the queue would overflow, or its oldest packet is stale (lock held)."""
        oldest = next((item for item in self._queue if isinstance(item, PacketCopy)), None)
        return (self._queued_bytes + size > self._queue_bytes_limit
                or (oldest is not None and now - oldest.arrived > self._max_lag_s))

    def _purge_copies(self) -> int:
        """Drop every queued packet, keeping session changes; returns how many went (lock held)."""
        kept = collections.deque(item for item in self._queue if not isinstance(item, PacketCopy))
        purged = len(self._queue) - len(kept)
        self._queue, self._queued_bytes = kept, 0
        return purged

    def _new_session(self, container: InputContainer) -> None:
        """A new input (first open or a reconnect): a new muxer starts at its first key frame."""
        self._input = container
        self._skip_to_key = True
        self._relayed = frozenset()  # until the muxer is made, should that fail
        self._video_index = container.streams.video[0].index if container.streams.video else -1
        output = av.open(_PipeSink(self), "w", format="mpegts", container_options=dict(_MUXER_OPTIONS))
        streams: dict[int, av.stream.Stream] = {}
        for stream in container.streams:
            if stream.type not in _RELAYED_TYPES:
                continue
            try:
                streams[stream.index] = output.add_stream_from_template(stream)
            except (ValueError, av.error.FFmpegError) as exc:
                log.warning("Stream %s: input stream %d (%s) cannot go into MPEG-TS and is left out: %s",
                            self.stream_id, stream.index, stream.type, exc)
        self._relayed = frozenset(streams) if self._video_index in streams else frozenset()
        self._count(sessions=1)
        with self._ready:
            self._queue.append(_Session(output, streams))  # never refused: it is tiny
            self._ready.notify()

    # --- the writer thread -------------------------------------------------------------

    def _run(self) -> None:
        """Body of ``mcv-video-relay-<id>``: mux what is queued into the pipe until stopped."""
        try:
            while True:
                with self._ready:
                    self._ready.wait_for(lambda: bool(self._queue))
                    item = self._queue.popleft()
                    if isinstance(item, PacketCopy):
                        self._queued_bytes -= len(item.data)
                if item is _STOP:
                    return
                if isinstance(item, _Session):
                    self._end_session()
                    self._session = item
                elif self._session is not None and not self._reader_gone:
                    self._mux(self._session, item)
        except _Stopping:
            pass
        except Exception:  # a bug must not leave the thread silently dead with the pipe open
            log.exception("Stream %s: the relay to the player failed unexpectedly", self.stream_id)
        finally:
            self._accepting = False
            self._end_session()
            self._drop_queue()
            self._close_fds()

    def _mux(self, session: _Session, item: PacketCopy) -> None:
        stream = session.streams.get(item.index)
        if stream is None:
            return
        try:
            session.output.mux(item.to_packet(stream))
        except (ValueError, av.error.FFmpegError):
            if self._stopping.is_set():
                raise _Stopping() from None
            if self._reader_gone:
                return
            # Timestamps the muxer refuses (missing, or going backwards): drop this packet only.
            self._count(mux_errors=1)
            if self.status().mux_errors == 1:
                log.warning("Stream %s: dropping packets with unusable timestamps on the way to the player",
                            self.stream_id)
            return
        self._count(packets_written=1)

    def _end_session(self) -> None:
        """Close the current muxer (writer thread); what it still writes goes to the pipe if it can."""
        session, self._session = self._session, None
        if session is None:
            return
        try:
            session.output.close()
        except (ValueError, OSError, av.error.FFmpegError, _Stopping):
            pass  # a muxer that never wrote its header, or a stop while the pipe was full

    def _drop_queue(self) -> None:
        """Close muxers of sessions still queued at the stop (writer thread)."""
        with self._ready:
            left, self._queue = list(self._queue), collections.deque()
            self._queued_bytes = 0
        for item in left:
            if isinstance(item, _Session):
                self._session = item
                self._end_session()

    def _write(self, data: bytes) -> int:
        """Write all of ``data`` into the pipe, waiting while it is full (writer thread, via the muxer)."""
        view = memoryview(data)
        while view:
            fd = self._write_fd
            if self._stopping.is_set() or fd is None:
                raise _Stopping()
            try:
                written = os.write(fd, view)
            except BlockingIOError:
                select.select([], [fd], [], WRITE_WAIT_S)
                continue
            except OSError as exc:
                if exc.errno != errno.EPIPE:
                    raise
                if not self._reader_gone:
                    self._reader_gone = True
                    log.info("Stream %s: the player closed its end of the relay", self.stream_id)
                return len(data)
            view = view[written:]
            self._count(bytes_written=written)
        return len(data)

    def _close_fds(self) -> None:
        fds, self._read_fd, self._write_fd = (self._read_fd, self._write_fd), None, None
        for fd in fds:
            if fd is not None:
                os.close(fd)

    def _count(self, **increments: int) -> None:
        with self._status_lock:
            self._status = replace(self._status, **{k: getattr(self._status, k) + v for k, v in increments.items()})


class _PipeSink:
    """The file object a muxer writes to: everything goes into the relay's pipe."""

    def __init__(self, relay: TsRelayWorker) -> None:
        self._relay = relay

    def write(self, data: bytes) -> int:
        return self._relay._write(data)
