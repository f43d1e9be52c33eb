"""Sends one camera to HQ's media server: its own RTSP pull, an ffmpeg child pushing SRT or RTMP.

``DispatchWorker`` owns an ``RtspIngestWorker`` (the pull, with its restart policy) whose
``on_packet`` copies video packets into a bounded queue, and the thread
``mcv-video-dispatch-<id>``, which muxes those copies into NUT on the stdin of an
``ffmpeg`` child. The child copies the video or re-encodes it with x264 as the current
``DispatchPlan`` says and sends it to HQ (``DispatchTarget`` builds its arguments). Its
``-progress`` lines on stderr give the bytes really sent, hence the measured bitrate. For SRT
the child writes MPEG-TS to its stdout, piped straight into a sender child
(``SrtPushWorker``, libsrt in a process of its own) whose SRT figures give the bitrate and
whether the link is full (``link_full``). A child of either kind that exits or crashes is a
failed attempt, explained in one sentence and tried again with backoff
(``ReconnectPolicy``), so a restarted listener at HQ gets the stream back by itself.

A plan that does not send (``hold`` while the backhaul is down, ``probe`` while the
source's bitrate is measured) ends the child and keeps the pull, so sending resumes at the
next key frame once the plan allows it. A new plan restarts the child with new arguments.
``lag_s`` (how long camera packets wait for the child), ``link_full`` (SRT) and
``delivered_kbps`` tell the capacity estimate whether the link holds the push back, and
what it carries meanwhile.
``on_status`` is called on the dispatch thread or the ingest's threads, one call at a time.
"""

from __future__ import annotations

import collections
import logging
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import av
import av.error

from radios.child_process import die_with_parent
from radios.reconnect_policy import ReconnectPolicy, ReconnectState
from video.dispatch_policy import BACKHAUL_DOWN, HOLD, PROBE, TRANSCODE, DispatchPlan, SourceInfo
from video.dispatch_child import ChildInput, ProgressReader, end_child
from video.dispatch_target import PIPE_FORMAT, DispatchTarget
from video.srt_push import SrtPushWorker
from video.health import StreamHealth, StreamState
from video.packet_copy import PacketCopy, own_copy
from video.ingest import RtspIngestWorker
from video.stream_settings import StreamSettings

log = logging.getLogger(__name__)

QUEUE_BYTES = 8 << 20  # a few seconds of a main stream; a stalled push drops to the next key frame
RETRY_FIRST_S, RETRY_MAX_S = 0.5, 5.0
SOURCE_SETTLE_S = 1.5  # the source's bitrate counts once it has played this long
STOP_TIMEOUT_S = 5.0

CAMERA_WORDS = {StreamState.CONNECTING: "connecting", StreamState.PLAYING: "playing",
                StreamState.SIGNAL_LOST: "sending no pictures", StreamState.RECONNECTING: "reconnecting",
                StreamState.STOPPED: "stopped"}  # "the camera is …" in a push's detail

IDLE, STARTING, SENDING, TRANSCODING, WAITING_BACKHAUL, HELD, FAILED = (
    "idle", "starting", "sending", "transcoding", "waiting_backhaul", "held", "failed")


@dataclass(frozen=True)
class DispatchStatus:
    """One dispatched stream as people see it; ``detail`` is a sentence, secrets masked."""

    stream: str
    state: str = IDLE
    detail: str = ""
    mode: str = ""
    width: int | None = None
    height: int | None = None
    fps: int | None = None
    share_kbps: int = 0
    out_kbps: float = 0.0  # measured: what ffmpeg put on the wire, over the last seconds
    source_kbps: float = 0.0


class DispatchWorker:
    """Owns the pull, the push thread and the ffmpeg child of one dispatched stream.

    ``start()`` once; ``set_plan`` from any thread; ``stop()`` any number of times.
    """

    def __init__(self, stream: StreamSettings, target: DispatchTarget,
                 on_status: Callable[[DispatchStatus], None] | None = None,
                 plan: DispatchPlan | None = None) -> None:
        self.stream_id = stream.id
        self.target = target
        self._on_status = on_status
        self._plan = plan or DispatchPlan(stream.id, PROBE)
        # Only packets go up: the pull decodes nothing (the ffmpeg child does, when it re-encodes)
        # and its health counts video packets as pictures, so a stalled camera still shows.
        self._ingest = RtspIngestWorker(stream, on_packet=self._on_packet, on_health=self._on_health,
                                        decode_video=False)
        self._status = DispatchStatus(stream.id, STARTING, "waiting for the camera")
        self._source = SourceInfo(stream.id)
        self._lock = threading.Lock()  # guards _status, _source, _queue, _template, _child
        self._wake = threading.Condition(self._lock)
        self._queue: collections.deque[PacketCopy] = collections.deque()
        self._queued_bytes = 0
        self._skip_to_key = True
        self._input: object | None = None
        self._template: av.stream.Stream | None = None  # a copy of the input's video stream, once per session
        self._session = 0
        self._child: subprocess.Popen[bytes] | None = None
        self._pusher: SrtPushWorker | None = None  # an SRT push's sender child, under _lock
        self._progress: ProgressReader | SrtPushWorker | None = None  # the running push's meter, under _lock
        self._writing_since: float | None = None  # arrival of the oldest packet being written, under _lock
        self._sending_since: float | None = None  # when the current child began to send, under _lock
        self._stopping = threading.Event()
        self._restart = threading.Event()  # the plan or the input changed: end the child
        self._thread = threading.Thread(target=self._run, name=f"mcv-video-dispatch-{stream.id}", daemon=True)
        self._report_lock = threading.Lock()
        self._playing_since: float | None = None  # health thread only

    def start(self) -> None:
        """Start the pull and the push thread; returns at once."""
        self._thread.start()
        self._ingest.start()

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> bool:
        """End the child, the push and the pull; returns whether every thread ended in time."""
        self._stopping.set()
        self._end_child()
        with self._wake:
            self._wake.notify_all()
        # The push thread first: it may be using a stream of the pull's container, which the pull frees.
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        stopped = self._ingest.stop(timeout)
        return stopped and not self._thread.is_alive()

    def set_plan(self, plan: DispatchPlan) -> None:
        """Carry out a new plan (any thread): the child restarts with it, or ends when it does not send."""
        with self._wake:
            same_output = plan.output_key == self._plan.output_key
            self._plan = plan
            self._wake.notify_all()
        if not same_output:
            self._restart.set()
            self._end_child()

    @property
    def plan(self) -> DispatchPlan:
        return self._plan

    def status(self) -> DispatchStatus:
        with self._lock:
            return self._status

    def lag_s(self) -> float:
        """How long the oldest camera packet has waited for the push (any thread): a link too narrow
        for the stream holds ffmpeg's writes back, its input pipe fills and packets wait here."""
        with self._lock:
            oldest = [at for at in (self._writing_since, self._queue[0].arrived if self._queue else None)
                      if at is not None]
        return time.monotonic() - min(oldest) if oldest else 0.0

    def sending_for_s(self) -> float:
        """How long the current child has been sending (any thread); 0 while it does not."""
        with self._lock:
            return time.monotonic() - self._sending_since if self._sending_since is not None else 0.0

    def delivered_kbps(self) -> float:
        """What the running child put on the wire over the last seconds, now (any thread); the
        status's ``out_kbps`` is refreshed only between writes, which a full link holds up."""
        with self._lock:
            progress = self._progress
        if isinstance(progress, SrtPushWorker):
            return progress.carried_kbps()
        return progress.kbps() if progress is not None else 0.0

    def link_full(self) -> bool:
        """Whether an SRT push's own figures say the link does not carry what it sends (any thread);
        SRT never holds the child's writes back, so ``lag_s`` cannot tell."""
        with self._lock:
            progress = self._progress
        return isinstance(progress, SrtPushWorker) and progress.link_full()

    def source(self) -> SourceInfo:
        """What the camera sends, as measured by the pull; ``kbps`` None until it has played a moment."""
        with self._lock:
            return self._source

    # --- the ingest threads ------------------------------------------------------------

    def _on_packet(self, packet: av.Packet) -> None:
        """Ingest thread: copy a video packet into the queue, never wait; drop to a key frame when full."""
        stream = packet.stream
        if stream.type != "video":
            return
        with self._wake:
            if stream.container is not self._input:
                self._input = stream.container
                self._template = own_copy(stream)
                self._session += 1
                self._queue.clear()
                self._queued_bytes = 0
                self._skip_to_key = True
                self._restart.set()
            if not self._plan.sends:
                return
            key = bool(packet.is_keyframe)
            if self._skip_to_key and not key:
                return
            if self._queued_bytes + packet.size > QUEUE_BYTES:
                self._skip_to_key = True
                return
            self._skip_to_key = False
            self._queue.append(PacketCopy.of(packet, video=True, arrived=time.monotonic()))
            self._queued_bytes += packet.size
            self._wake.notify_all()

    def _on_health(self, health: StreamHealth) -> None:
        """Ingest or watchdog thread: keep the source's figures; report them every second."""
        now = time.monotonic()
        playing = health.state is StreamState.PLAYING and health.bitrate_kbps > 0
        if not playing:
            self._playing_since = None
        elif self._playing_since is None:
            self._playing_since = now
        # The first second's figure holds the first key frame's burst: measure a whole window.
        steady = playing and self._playing_since is not None and now - self._playing_since >= SOURCE_SETTLE_S
        with self._lock:
            self._source = SourceInfo(self.stream_id, kbps=health.bitrate_kbps if steady else self._source.kbps,
                                      width=health.width, height=health.height,
                                      fps=health.fps or self._source.fps)
            self._status = replace(self._status, source_kbps=health.bitrate_kbps)
            if health.state is not StreamState.PLAYING and self._status.state in (STARTING, SENDING, TRANSCODING):
                self._status = replace(self._status, state=STARTING, detail=f"the camera is {CAMERA_WORDS[health.state]}"
                                       + (f": {health.last_error}" if health.last_error else ""))
        self._report()

    # --- the push thread -------------------------------------------------------------

    def _run(self) -> None:
        """Body of ``mcv-video-dispatch-<id>``: one ffmpeg child after another, as the plan allows."""
        policy = ReconnectPolicy(first_delay_s=RETRY_FIRST_S, max_delay_s=RETRY_MAX_S)
        retry = ReconnectState()
        last_reason = ""
        try:
            while not self._stopping.is_set():
                plan = self._plan
                if not plan.sends:
                    self._wait_for_plan(plan)
                    continue
                missing = self.target.available()
                if missing:
                    self._set(FAILED, missing)
                    self._stopping.wait(RETRY_MAX_S)
                    continue
                reason = self._push(plan)
                if reason is None or self._stopping.is_set():
                    continue
                decision = policy.decide(retry, "failed", time.monotonic())
                retry = decision.state
                if reason != last_reason:
                    log.warning("Sending %s to HQ: %s", self.stream_id, reason)
                    last_reason = reason
                self._set(FAILED, f"{reason}; trying again in {decision.delay_s:.1f} s", out_kbps=0.0)
                self._restart.clear()
                deadline = time.monotonic() + (decision.delay_s or 0)
                while not self._stopping.is_set() and not self._restart.is_set() and time.monotonic() < deadline:
                    self._stopping.wait(0.1)
        except Exception:  # a bug must not end the dispatch silently
            log.exception("Sending %s to HQ failed unexpectedly", self.stream_id)
            self._set(FAILED, "internal error; see the gateway's log")
        finally:
            self._end_child()

    def _wait_for_plan(self, plan: DispatchPlan) -> None:
        """Nothing to send: say why, then sleep until the plan changes or we stop."""
        if plan.mode == HOLD:
            self._set(WAITING_BACKHAUL if plan.reason == BACKHAUL_DOWN else HELD, plan.reason, out_kbps=0.0, mode="")
        else:
            self._set(STARTING, "measuring the camera's bitrate", out_kbps=0.0)
        with self._wake:
            self._wake.wait_for(lambda: self._plan.output_key != plan.output_key or self._stopping.is_set(),
                                timeout=1.0)

    def _push(self, plan: DispatchPlan) -> str | None:
        """One ffmpeg child for ``plan``: returns why it failed, or None when it ended because it was told to."""
        with self._wake:
            if (not self._wake.wait_for(lambda: self._template is not None or self._stopping.is_set()
                                       or self._plan.output_key != plan.output_key, timeout=1.0)
                    or self._template is None):
                return None
            template, session = self._template, self._session
            self._queue.clear()
            self._queued_bytes = 0
            self._skip_to_key = True
        self._restart.clear()
        self._set(STARTING, f"connecting to {self.target.shown_url}", mode=plan.mode, width=plan.width,
                  height=plan.height, fps=plan.fps, share_kbps=plan.share_kbps, out_kbps=0.0)
        srt = self.target.sends_srt
        child = subprocess.Popen(self.target.ffmpeg_args(plan), stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE if srt else subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, preexec_fn=die_with_parent)
        with self._lock:
            self._child = child
        progress = ProgressReader(child, self.stream_id)
        pusher = None
        output = None
        try:
            pusher = SrtPushWorker(child, self.target, self.stream_id) if srt else None
            with self._lock:
                self._pusher, self._progress = pusher, pusher or progress
            sink = ChildInput(child)
            # Every packet goes down the pipe at once, not when PyAV's 32 KiB buffer fills.
            output = av.open(sink, "w", format=PIPE_FORMAT, options={"flush_packets": "1"})
            video = output.add_stream_from_template(template)
            while self._carries(plan):
                with self._wake:
                    self._wake.wait_for(lambda: bool(self._queue) or self._stopping.is_set()
                                        or self._restart.is_set(), timeout=0.25)
                    items = list(self._queue)
                    self._queue.clear()
                    self._queued_bytes = 0
                    changed = self._session != session
                    self._writing_since = items[0].arrived if items else None
                if changed:
                    return None
                for item in items:
                    _mux(output, video, item)
                with self._lock:
                    self._writing_since = None
                if child.poll() is not None or (pusher is not None and pusher.ended()):
                    break
                self._show_progress(plan, pusher or progress)
            if not self._carries(plan):
                return None
        except (BrokenPipeError, OSError, av.error.FFmpegError, ValueError) as exc:
            if not self._carries(plan):
                return None
            log.debug("Sending %s: the pipe to ffmpeg closed (%s)", self.stream_id, type(exc).__name__)
        finally:
            if output is not None:
                try:
                    output.close()
                except (OSError, av.error.FFmpegError, ValueError):
                    pass  # the child is gone; what it had is what HQ got
            self._end_child()
            with self._lock:
                self._progress = self._pusher = None
                self._writing_since = None
            progress.join()
            if pusher is not None:
                pusher.finish()
        if not self._carries(plan):
            return None
        return (pusher and pusher.failure()) or self.target.explain(progress.errors(), child.returncode)

    def _carries(self, plan: DispatchPlan) -> bool:
        """Whether the push for ``plan`` should go on: not stopping, no restart asked, the same output."""
        return (not self._stopping.is_set() and not self._restart.is_set()
                and self._plan.output_key == plan.output_key)

    def _show_progress(self, plan: DispatchPlan, progress: ProgressReader | SrtPushWorker) -> None:
        kbps = progress.kbps()
        if progress.sending():
            state = TRANSCODING if plan.mode == TRANSCODE else SENDING
            size = f"{plan.width}x{plan.height}" if plan.width and plan.height else "as the camera sends it"
            detail = (f"re-encoded to {size} at {plan.fps} frames/s, {plan.video_kbps} kb/s of video"
                      if plan.mode == TRANSCODE else f"{size}, not re-encoded")
            self._set(state, detail, out_kbps=kbps)
        else:
            self._set(STARTING, f"connecting to {self.target.shown_url}", out_kbps=kbps)

    def _end_child(self) -> None:
        """End the child: from the push thread, close its input and reap it; from any other, signal it.

        Only the push thread touches the pipe (a close from another thread would wait
        behind a write blocked on a full pipe); SIGTERM makes that write fail at once.
        """
        with self._lock:
            child, pusher = self._child, self._pusher
        if child is None:
            return
        if threading.current_thread() is not self._thread:
            if child.poll() is None:
                child.terminate()
            if pusher is not None:
                pusher.stop()  # by its PID; the push thread reaps both
            return
        end_child(child)
        with self._lock:
            self._child = None

    def _set(self, state: str, detail: str, **figures: object) -> None:
        with self._lock:
            before = self._status
            self._status = replace(before, state=state, detail=detail, **figures)
            changed = (before.state, before.detail) != (state, detail)
            if state not in (SENDING, TRANSCODING):
                self._sending_since = None
            elif self._sending_since is None:
                self._sending_since = time.monotonic()
        if changed:
            self._report()

    def _report(self) -> None:
        if self._on_status is None:
            return
        with self._report_lock:
            try:
                self._on_status(self.status())
            except Exception:
                log.exception("Sending %s: the status subscriber raised", self.stream_id)


def _mux(output: av.container.OutputContainer, video: av.stream.Stream, item: PacketCopy) -> None:
    try:
        output.mux(item.to_packet(video))
    except ValueError:
        pass  # a timestamp the muxer refuses (missing or going back): this packet only
