"""Records one stream without re-encoding: the ingest's packets remuxed into MPEG-TS segments.

``StreamRecorder.on_packet`` is subscribed to ``RtspIngestWorker(on_packet=...)``. On the
ingest thread it only copies the packet into a bounded queue; the writer thread
``recorder-<id>`` muxes the copies into ``<folder>/<stream>/<stream>_<utc>.ts``. A segment
starts on a video key frame, so each one plays on its own, and ends at the first key frame
after ``segment_s`` or when the source reconnects (timestamps restart then). MPEG-TS has
no index to write at the end: a segment cut off by a power loss still plays up to the cut.
Every closed segment gets a line in the evidence manifest (``video.evidence``).

When the disk cannot keep up the queue fills; the recorder then drops the rest of that GOP
and every packet up to the next key frame that fits, and counts it: the picture (the
ingest thread) never waits. When free space falls under ``min_free_bytes`` the recorder
closes its segment and stops in ``DISK_FULL``.
"""

from __future__ import annotations

import collections
import enum
import hashlib
import io
import logging
import os
import shutil
import threading
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import av
import av.error

from video.evidence import SEGMENT_SUFFIX, ManifestWriter, SegmentRecord, file_digest
from video.file_names import safe_stem, timestamped_file
from video.packet_copy import PacketCopy

if TYPE_CHECKING:
    from av.container import InputContainer, OutputContainer

log = logging.getLogger(__name__)

SEGMENT_S = 60.0
QUEUE_BYTES = 32 << 20
"""About a minute of a 4 Mbit/s camera: a slow disk hiccup is absorbed, not dropped."""
MIN_FREE_BYTES = 1 << 30
DISK_CHECK_S = 5.0
_RECORDED_TYPES = ("video", "audio")


class RecorderState(enum.Enum):
    WAITING = "waiting for a key frame"
    RECORDING = "recording"
    DISK_FULL = "stopped: disk nearly full"
    FAILED = "stopped: cannot write"
    STOPPED = "stopped"


@dataclass(frozen=True)
class RecorderSettings:
    """Where and how to record (a frozen snapshot; new settings need a new recorder)."""

    folder: Path  # the recordings folder; each stream records into its own sub-folder
    segment_s: float = SEGMENT_S
    queue_bytes: int = QUEUE_BYTES
    min_free_bytes: int = MIN_FREE_BYTES
    disk_check_s: float = DISK_CHECK_S


@dataclass(frozen=True)
class RecorderStatus:
    """What the recorder has done so far; ``detail`` is a sentence for people when it stopped."""

    stream_id: str
    state: RecorderState
    folder: Path
    segments: int = 0
    bytes_written: int = 0
    dropped_gops: int = 0
    dropped_packets: int = 0
    mux_errors: int = 0
    cpu_s: float = 0.0  # CPU time of the writer thread
    detail: str = ""


@dataclass(frozen=True)
class _Session:
    """A new input session: output-stream templates by input index, in a container of their own."""

    holder: OutputContainer
    templates: dict[int, av.stream.Stream]


_STOP = object()


class StreamRecorder:
    """Owns the recording of one stream: a bounded queue and the writer thread ``recorder-<id>``.

    ``start()`` once, ``stop()`` any number of times; ``on_packet`` before ``start`` or after
    ``stop`` is ignored. ``status()`` from any thread.
    """

    def __init__(self, stream_id: str, settings: RecorderSettings) -> None:
        self.stream_id = stream_id
        self.settings = settings
        self.folder = settings.folder / safe_stem(stream_id)
        self._status = RecorderStatus(stream_id, RecorderState.WAITING, self.folder)
        self._status_lock = threading.Lock()
        self._queue: collections.deque[object] = collections.deque()
        self._queued_bytes = 0
        self._ready = threading.Condition()
        self._thread: threading.Thread | None = None
        self._accepting = False
        # Ingest-thread state: the current input and whether to skip to the next key frame.
        self._input: InputContainer | None = None
        self._video_index = -1
        self._recorded: frozenset[int] = frozenset()
        self._skip_to_key = True
        # Writer-thread state.
        self._templates: _Session | None = None
        self._output: OutputContainer | None = None
        self._file: _HashingFile | None = None
        self._segment_path: Path | None = None
        self._out_streams: dict[int, av.stream.Stream] = {}
        self._segment_started = (0.0, datetime.now(UTC))
        self._last_arrival = 0.0
        self._next_disk_check = 0.0
        self._manifest: ManifestWriter | None = None
        self._cpu_s = 0.0
        self._halted = False  # set by the writer once it stopped for good; read by the ingest thread

    def start(self) -> None:
        """Create the folder, list any segment left unlisted by a crash, start the writer thread."""
        if self._thread is not None:
            raise RuntimeError(f"recorder of stream {self.stream_id!r} was already started; make a new one")
        self.folder.mkdir(parents=True, exist_ok=True)
        self._manifest = ManifestWriter(self.folder)
        self._list_orphans()
        self._thread = threading.Thread(target=self._run, name=f"recorder-{self.stream_id}", daemon=True)
        self._accepting = True
        self._thread.start()

    def stop(self, timeout: float | None = 10.0) -> bool:
        """Write out what is queued, close the segment, end the thread; returns whether it ended."""
        self._accepting = False
        with self._ready:
            self._queue.append(_STOP)
            self._ready.notify()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    def status(self) -> RecorderStatus:
        """The recorder's state and counters right now (any thread)."""
        with self._status_lock:
            return replace(self._status, cpu_s=self._cpu_s)

    # --- the ingest thread -------------------------------------------------------------

    def on_packet(self, packet: av.Packet) -> None:
        """Copy one demuxed packet into the queue; called on the ingest thread, never waits."""
        if not self._accepting or self._halted:
            return
        stream = packet.stream
        if stream.container is not self._input:
            self._new_session(stream.container)
        if packet.stream_index not in self._recorded:
            return
        video = packet.stream_index == self._video_index
        key = bool(packet.is_keyframe)
        if self._skip_to_key and not (video and key):
            self._count(dropped_packets=1)
            return
        copy = PacketCopy.of(packet, video=video, arrived=time.monotonic())
        with self._ready:
            if self._queued_bytes + len(copy.data) > self.settings.queue_bytes:
                full = True
            else:
                full = False
                self._queue.append(copy)
                self._queued_bytes += len(copy.data)
                self._ready.notify()
        if full:
            if not self._skip_to_key:
                self._count(dropped_gops=1)
                level = logging.WARNING if self.status().dropped_gops == 1 else logging.DEBUG
                log.log(level, "Recording %s: the disk is not keeping up; dropping video up to the next key frame",
                        self.stream_id)
            self._skip_to_key = True
            self._count(dropped_packets=1)
        else:
            self._skip_to_key = False

    def _new_session(self, container: InputContainer) -> None:
        """Remember a new input's streams as templates and tell the writer (ingest thread)."""
        self._input = container
        self._skip_to_key = True
        self._recorded = frozenset()  # until the templates are made, should that fail
        holder = av.open(io.BytesIO(), "w", format="mpegts")
        templates: dict[int, av.stream.Stream] = {}
        self._video_index = container.streams.video[0].index if container.streams.video else -1
        for stream in container.streams:
            if stream.type not in _RECORDED_TYPES:
                continue
            try:
                templates[stream.index] = holder.add_stream_from_template(stream)
            except (ValueError, av.error.FFmpegError) as exc:
                log.warning("Recording %s: stream %d (%s) cannot go into MPEG-TS and is left out: %s",
                            self.stream_id, stream.index, stream.type, exc)
        self._recorded = frozenset(templates) if self._video_index in templates else frozenset()
        with self._ready:
            self._queue.append(_Session(holder, templates))  # never refused: it is tiny
            self._ready.notify()

    # --- the writer thread -------------------------------------------------------------

    def _run(self) -> None:
        """Body of ``recorder-<id>``: take copies off the queue and mux them until stopped."""
        try:
            while True:
                with self._ready:
                    self._ready.wait_for(lambda: bool(self._queue))
                    item = self._queue.popleft()
                    if isinstance(item, PacketCopy):
                        self._queued_bytes -= len(item.data)
                if item is _STOP:
                    return
                try:
                    self._handle(item)
                    self._cpu_s = time.thread_time()
                except (OSError, av.error.FFmpegError) as exc:
                    self._close_segment()
                    self._halt(RecorderState.FAILED, f"cannot write {self.folder}: {exc}; check the disk")
        except Exception:  # a bug must not leave a segment unlisted or the thread silently dead
            log.exception("Recording %s: the writer failed unexpectedly", self.stream_id)
            self._halt(RecorderState.FAILED, "internal error; see the log")
        finally:
            self._close_segment()
            self._drop_templates()
            with self._status_lock:
                self._status = replace(self._status, state=RecorderState.STOPPED
                                       if self._status.state in (RecorderState.WAITING, RecorderState.RECORDING)
                                       else self._status.state)
            self._cpu_s = time.thread_time()

    def _handle(self, item: object) -> None:
        if isinstance(item, _Session):
            self._close_segment()  # timestamps start again with the new session
            self._drop_templates()
            self._templates = item
            return
        assert isinstance(item, PacketCopy)
        if self._halted:
            return
        if self._output is None or (item.video and item.key
                                    and item.arrived - self._segment_started[0] >= self.settings.segment_s):
            if not (item.video and item.key) or self._templates is None:
                return
            self._close_segment()
            if not self._disk_has_room():
                return
            self._open_segment(item.arrived)
        elif item.arrived >= self._next_disk_check and not self._disk_has_room():
            self._close_segment()
            return
        self._mux(item)

    def _mux(self, item: PacketCopy) -> None:
        assert self._output is not None
        stream = self._out_streams.get(item.index)
        if stream is None:
            return
        try:
            self._output.mux(item.to_packet(stream))
        except ValueError:
            # Timestamps the muxer refuses (missing, or going backwards): drop this packet only.
            self._count(mux_errors=1)
            if self.status().mux_errors == 1:
                log.warning("Recording %s: dropping packets with unusable timestamps", self.stream_id)
            return
        self._last_arrival = item.arrived

    def _open_segment(self, arrived: float) -> None:
        assert self._templates is not None
        started = datetime.now(UTC)
        path = timestamped_file(self.folder, self.stream_id, SEGMENT_SUFFIX, started)
        self._file = _HashingFile(path)
        self._segment_path = path
        self._output = av.open(self._file, "w", format="mpegts")
        self._out_streams = {index: self._output.add_stream_from_template(template)
                             for index, template in self._templates.templates.items()}
        self._segment_started = (arrived, started)
        self._last_arrival = arrived
        self._set(RecorderState.RECORDING, "")

    def _close_segment(self) -> None:
        """Finish the open segment, fsync it and list it in the manifest (writer thread)."""
        output, sink, path = self._output, self._file, self._segment_path
        self._output = self._file = self._segment_path = None
        self._out_streams = {}
        if sink is None or path is None:
            return
        try:
            if output is not None:
                output.close()
        except (OSError, av.error.FFmpegError) as exc:  # what reached the disk is still listed
            log.error("Recording %s: %s ends early: %s", self.stream_id, path.name, exc)
        finally:
            size, digest = sink.close()
        first, started = self._segment_started
        ended = started + timedelta(seconds=max(0.0, self._last_arrival - first))
        record = SegmentRecord(file=path.name, stream=self.stream_id, start=_iso(started), end=_iso(ended),
                               size=size, sha256=digest)
        assert self._manifest is not None
        head = self._manifest.append(record)
        self._count(segments=1, bytes_written=size)
        log.info("Recording %s: closed %s (%d bytes), manifest head %s", self.stream_id, path.name, size, head)

    def _drop_templates(self) -> None:
        if self._templates is not None:
            self._templates.holder.close()
            self._templates = None

    def _disk_has_room(self) -> bool:
        """Check free space (at most every ``disk_check_s``); stop in DISK_FULL when short."""
        self._next_disk_check = time.monotonic() + self.settings.disk_check_s
        free = shutil.disk_usage(self.folder).free
        if free >= self.settings.min_free_bytes:
            return True
        self._halt(RecorderState.DISK_FULL,
                   f"only {free // (1 << 20)} MiB free on the disk of {self.folder} "
                   f"(at least {self.settings.min_free_bytes // (1 << 20)} MiB needed); free space to record again")
        return False

    def _halt(self, state: RecorderState, detail: str) -> None:
        self._halted = True
        log.error("Recording %s %s: %s", self.stream_id, state.value, detail)
        self._set(state, detail)

    def _list_orphans(self) -> None:
        """List segments a crash left unlisted, marked ``recovered`` (on the starting thread)."""
        assert self._manifest is not None
        for path in sorted(self.folder.glob(f"*{SEGMENT_SUFFIX}")):
            if self._manifest.is_listed(path.name) or not path.is_file() or path.is_symlink():
                continue
            size, digest = file_digest(path)
            modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            self._manifest.append(SegmentRecord(file=path.name, stream=self.stream_id, start=_iso(modified),
                                                end=_iso(modified), size=size, sha256=digest, recovered=True))
            log.warning("Recording %s: listed %s, left unlisted by an earlier stop, as recovered",
                        self.stream_id, path.name)

    def _set(self, state: RecorderState, detail: str) -> None:
        with self._status_lock:
            self._status = replace(self._status, state=state, detail=detail)

    def _count(self, **increments: int) -> None:
        with self._status_lock:
            self._status = replace(self._status, **{k: getattr(self._status, k) + v for k, v in increments.items()})


class _HashingFile:
    """A write-only file that hashes what goes through it and fsyncs when closed."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("xb")  # never overwrite evidence
        self._digest = hashlib.sha256()
        self._size = 0

    def write(self, data: bytes) -> int:
        self._file.write(data)
        self._digest.update(data)
        self._size += len(data)
        return len(data)

    def close(self) -> tuple[int, str]:
        """Flush, fsync and close; returns the size and SHA-256 of everything written."""
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
        finally:
            self._file.close()
        return self._size, self._digest.hexdigest()


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
