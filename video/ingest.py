"""One network pull per camera: an RTSP client on FFmpeg (through PyAV) on its own thread.

``RtspIngestWorker`` opens the stream, decodes its video with low delay, keeps a
``HealthMeter`` and hands out what it receives:

- ``on_packet(packet)``: every demuxed ``av.Packet`` (all streams), for recording/relay;
- ``on_frame(frame)``: every decoded ``av.VideoFrame`` (see ``video.frames.ScreenScaler``),
  its ``opaque`` the worker's clock (``time.monotonic``) when the packet it was decoded
  from came out of FFmpeg's demuxer, so a consumer can measure receive-to-screen delay;
- ``on_health(health)``: a ``StreamHealth`` on every change and every second.

Liveness and reconnects are decided by ``RestartPolicy``; this module only carries the
decisions out. Two threads per worker: ``mcv-video-ingest-<id>`` opens, reads and
decodes; ``mcv-video-watchdog-<id>`` ticks the policy so that a read hung inside FFmpeg
is still reported as lost within ``SIGNAL_LOST_AFTER_S``. FFmpeg's blocking calls end
only at their timeouts (``open_timeout_s``, ``read_timeout_s``), which therefore also
bound how long ``stop()`` can take when the network is silent.

Camera URLs carry credentials: they reach logs and error texts only masked. FFmpeg's own
log (``av.logging``, off by default) may print URLs; keep it off or mask it before use.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable, Generator
from urllib.parse import urlsplit

import av
import av.error
from av.codec.context import Flags as CodecFlags

from radios.config import mask_url
from video.health import HealthMeter, StreamHealth, StreamState
from video.restart_policy import (
    Action,
    AttemptStarted,
    Event,
    FrameDecoded,
    Link,
    RestartPolicy,
    RestartState,
    SessionFailed,
    SessionOpened,
    SourceEnded,
    StopRequested,
    Tick,
)
from video.stream_settings import StreamSettings

log = logging.getLogger(__name__)

OPEN_TIMEOUT_S = 5.0
"""Longest wait for a camera to answer the RTSP handshake (per FFmpeg call)."""

READ_TIMEOUT_S = 3.0
"""A read that gets no data for this long fails, so a silent network drop is noticed."""

WATCHDOG_PERIOD_S = 0.1
HEALTH_REPORT_PERIOD_S = 1.0

ANALYZE_DURATION_US = 1
"""How long FFmpeg may probe the stream after the handshake, in µs (0 would mean its
default, 5 s). RTSP's SDP already names the codec and carries its parameter sets; probing
stops at the first key frame, which FFmpeg keeps and hands out as the first packet. 200 ms
of probing held that first picture back by 340 ms."""

PROBE_BYTES = 32
"""FFmpeg's smallest probe: with the SDP, the first decodable picture is all it needs."""

UDP_BUFFER_BYTES = 1 << 20
"""Socket receive buffer for RTP over UDP: a key frame arrives as one burst."""

_RTSP_SCHEMES = ("rtsp", "rtsps")

FrameCallback = Callable[[av.VideoFrame], None]
PacketCallback = Callable[[av.Packet], None]
HealthCallback = Callable[[StreamHealth], None]


class _SourceFailure(Exception):
    """An attempt failed for a reason this module worked out itself; the message is for people."""

    def __init__(self, message: str, refused: bool = False) -> None:
        super().__init__(message)
        self.refused = refused  # the source answered but cannot give us video as configured


_REFUSALS = (av.error.HTTPUnauthorizedError, av.error.HTTPForbiddenError, av.error.HTTPNotFoundError)
"""Answers that only a person can change (credentials, rights, path): retried slowly."""


class RtspIngestWorker:
    """Owns the network pull, decoding and health of one stream (main or sub URL).

    Settings are a snapshot taken here; new settings need a new worker. ``start()`` once,
    ``stop()`` any number of times.

    Threads: ``on_packet`` and ``on_frame`` are called on the ingest thread and must
    return quickly (copy or convert, then hand over), or they delay the stream;
    ``on_health`` is called on the ingest or the watchdog thread, one call at a time, the
    last one always ``STOPPED``. A callback that raises is logged once and kept.

    ``decode_video=False`` is for a renderer that decodes the packets itself (libvlc):
    the worker then decodes nothing, hands out no frames and takes each video packet as
    a picture for health and liveness, which is all a stalled input leaves to judge by.
    """

    def __init__(
        self,
        stream: StreamSettings,
        *,
        sub_stream: bool = False,
        on_frame: FrameCallback | None = None,
        on_packet: PacketCallback | None = None,
        on_health: HealthCallback | None = None,
        decode_video: bool = True,
        policy: RestartPolicy | None = None,
        open_timeout_s: float = OPEN_TIMEOUT_S,
        read_timeout_s: float = READ_TIMEOUT_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream_id = stream.id
        self._name = stream.name
        self._url = stream.sub_url if sub_stream and stream.sub_url else stream.url
        self._shown_url = mask_url(self._url)
        self._host = _url_part(self._url, "hostname") or "the camera"
        self._is_rtsp = self._url.partition("://")[0].lower() in _RTSP_SCHEMES
        self._transport = stream.transport
        self._latency_ms = stream.latency_ms
        self._on_frame = on_frame
        self._on_packet = on_packet
        self._on_health = on_health
        self._decode_video = decode_video
        self._policy = policy or RestartPolicy()
        self._open_timeout_s = open_timeout_s
        self._read_timeout_s = read_timeout_s
        self._clock = clock

        self._meter = HealthMeter()
        self._state = RestartState.initial(clock())
        self._state_lock = threading.Lock()  # guards _state
        self._publish_lock = threading.Lock()  # keeps on_health calls in order, one at a time
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._logged_error: str | None = None
        self._failed_callbacks: set[str] = set()
        self._decode_errors = 0

    @property
    def shown_url(self) -> str:
        """The URL this worker pulls, with its password masked."""
        return self._shown_url

    def start(self) -> None:
        """Start pulling in the background; returns at once (called on any thread)."""
        if self._threads:
            raise RuntimeError(f"ingest of stream {self.stream_id!r} was already started; make a new worker")
        self._state = RestartState.initial(self._clock())
        self._threads = [
            threading.Thread(target=self._run, name=f"mcv-video-ingest-{self.stream_id}", daemon=True),
            threading.Thread(target=self._watch, name=f"mcv-video-watchdog-{self.stream_id}", daemon=True),
        ]
        log.info("Stream %s: pulling %s over %s", self._name, self._shown_url, self._transport)
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float | None = None) -> bool:
        """Ask the worker to end and wait up to ``timeout`` s (``None``: until it has).

        Returns whether both threads have ended. Usually well under a second; while FFmpeg
        is blocked on a silent network it takes until that call's timeout. Safe to call
        again, from any thread, and from inside a callback (then it does not wait).
        """
        self._stopping.set()
        deadline = None if timeout is None else time.monotonic() + timeout
        current = threading.current_thread()
        for thread in self._threads:
            if thread is not current:
                thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return not any(thread.is_alive() for thread in self._threads)

    def health(self) -> StreamHealth:
        """The stream's health right now (any thread)."""
        state = self._state
        reading = self._meter.read(self._clock())
        playing = state.phase is StreamState.PLAYING
        return StreamHealth(
            stream_id=self.stream_id,
            state=state.phase,
            fps=reading.fps if playing else 0.0,
            bitrate_kbps=reading.bitrate_kbps if state.link is Link.OPEN else 0.0,
            width=reading.width,
            height=reading.height,
            codec=reading.codec,
            frame_age_s=reading.frame_age_s,
            reconnects=state.reconnects,
            last_error=state.last_error,
        )

    # --- the ingest thread -------------------------------------------------------------

    def _run(self) -> None:
        """Body of the ingest thread: attempt, read until it fails, wait, again."""
        try:
            while not self._stopping.is_set():
                self._apply(AttemptStarted(self._clock()))
                try:
                    self._pull()
                except (av.error.FFmpegError, OSError, _SourceFailure) as exc:
                    refused = isinstance(exc, _REFUSALS) or getattr(exc, "refused", False)
                    self._apply(SessionFailed(self._clock(), self._describe(exc), refused=refused))
                except Exception as exc:  # a bug must not end the stream's ingest for good
                    trace = "".join(traceback.format_exception(exc))
                    log.error("Stream %s: ingest failed unexpectedly\n%s", self._name, self._scrub(trace))
                    self._apply(SessionFailed(self._clock(), self._scrub(f"internal error: {exc!r}")))
                retry_at = self._state.retry_at
                if retry_at is not None:
                    self._stopping.wait(max(0.0, retry_at - self._clock()))
        finally:
            self._apply(StopRequested(self._clock()))
            log.info("Stream %s: ingest stopped", self._name)

    def _pull(self) -> None:
        """Open the source and read it until it ends, fails, stalls or we stop."""
        container = self._open()
        packets: Generator[av.Packet, None, None] | None = None
        try:
            if not container.streams.video:
                raise _SourceFailure("the source has no video stream; check that the URL points at a camera's video",
                                     refused=True)
            video = container.streams.video[0]
            decoder = video.codec_context
            # Set on the decoder itself: the same flag passed through av.open's options
            # never reaches it. Frame threading would hold back a frame per thread.
            decoder.flags |= CodecFlags.low_delay
            decoder.thread_type = "SLICE"
            self._meter.set_codec(decoder.name)
            self._apply(SessionOpened(self._clock()))
            packets = container.demux()
            while True:
                read_started = self._clock()
                packet = next(packets, None)
                now = self._clock()
                if self._stopping.is_set() or self._state.link is not Link.OPEN:
                    return  # stopped, or the policy gave this session up
                if packet is None:
                    self._apply(SourceEnded(now))
                    return
                if now - read_started >= self._read_timeout_s:
                    # Only FFmpeg's read timeout ends a read this long; what it returns
                    # then is leftovers from its parser, not news from the camera.
                    raise _SourceFailure(f"{self._host} stopped sending; check the network path to the camera")
                if packet.size == 0:
                    continue  # FFmpeg's flush packets after the end of stream
                self._meter.add_bytes(now, packet.size)
                self._call("on_packet", self._on_packet, packet)
                if packet.stream_index == video.index and not self._decode_video:
                    self._meter.add_frame(now, decoder.width, decoder.height)
                    self._apply(FrameDecoded(now))
                    continue
                if packet.stream_index == video.index and self._decode(decoder, packet, now):
                    continue
                self._apply(Tick(self._clock()))
        finally:
            if packets is not None:
                packets.close()
            container.close()

    def _open(self) -> av.container.InputContainer:
        """Open the URL with low-delay options; a hung handshake fails at the socket or the open timeout."""
        if self._is_rtsp and not _url_part(self._url, "hostname"):
            raise _SourceFailure(f"the URL {self._shown_url} has no usable camera address; correct it in the config")
        started = self._clock()
        try:
            return av.open(
                self._url,
                container_options=self._container_options(),
                timeout=(self._open_timeout_s, self._read_timeout_s),
            )
        except (av.error.FFmpegError, OSError) as exc:
            # An interrupted handshake surfaces as whatever FFmpeg was doing (often
            # "invalid data"); the time it took tells the real story. FFmpeg's socket
            # timeout (the read timeout) ends a silent handshake before the open timeout.
            limit_s = min(self._open_timeout_s, self._read_timeout_s)
            if self._clock() - started >= 0.9 * limit_s:
                raise _SourceFailure(
                    f"{self._host} did not answer within {limit_s:g} s; "
                    "check the camera's address and the network path to it"
                ) from exc
            raise

    def _decode(self, decoder: av.codec.context.CodecContext, packet: av.Packet, received_at: float) -> bool:
        """Decode one packet and hand out its frames stamped with its arrival; returns whether a frame came out."""
        try:
            frames = decoder.decode(packet)
        except av.error.InvalidDataError:
            # A damaged packet from the field: count it, mention it once, read on.
            self._decode_errors += 1
            if self._decode_errors == 1:
                log.warning("Stream %s: dropping undecodable video data", self._name)
            return False
        for frame in frames:
            now = self._clock()
            self._meter.add_frame(now, frame.width, frame.height)
            self._apply(FrameDecoded(now))
            frame.opaque = received_at
            self._call("on_frame", self._on_frame, frame)
        return bool(frames)

    def _container_options(self) -> dict[str, str]:
        # No "fflags nobuffer": it makes FFmpeg drop the packets it probed, and with them
        # the key frame the probe waited for, so the first picture came a key frame later
        # (about 1 s on a camera with one key frame a second).
        options = {
            "analyzeduration": str(ANALYZE_DURATION_US),
            "probesize": str(PROBE_BYTES),
            # Socket I/O timeout in microseconds, so FFmpeg itself notices a silent drop.
            "timeout": str(int(self._read_timeout_s * 1_000_000)),
        }
        if self._is_rtsp:
            options["rtsp_transport"] = self._transport
            if self._transport == "udp":
                options["buffer_size"] = str(UDP_BUFFER_BYTES)
                # Reordering UDP packets may not hold frames back past the latency target.
                options["max_delay"] = str(self._latency_ms * 1000)
        return options

    # --- the watchdog thread -----------------------------------------------------------

    def _watch(self) -> None:
        """Body of the watchdog thread: tick the policy, publish health every second."""
        next_report = self._clock() + HEALTH_REPORT_PERIOD_S
        while not self._stopping.wait(WATCHDOG_PERIOD_S):
            self._apply(Tick(self._clock()))
            if self._clock() >= next_report:
                next_report = self._clock() + HEALTH_REPORT_PERIOD_S
                self._publish()

    # --- both threads ------------------------------------------------------------------

    def _apply(self, event: Event) -> None:
        """Feed one event to the policy, keep its state, report what changed."""
        with self._state_lock:
            before = self._state
            decision = self._policy.decide(before, event)
            self._state = after = decision.state
        if decision.action is Action.RECONNECT:
            self._log_failure(after, decision.delay_s)
        if after.phase is not before.phase:
            self._log_phase(after)
        if (after.phase, after.reconnects, after.last_error) != (before.phase, before.reconnects, before.last_error):
            self._publish()

    def _publish(self) -> None:
        """Send a fresh snapshot to ``on_health``; one call at a time, newest state."""
        if self._on_health is None:
            return
        with self._publish_lock:
            self._call("on_health", self._on_health, self.health())

    def _call(self, name: str, callback: Callable[[object], None] | None, argument: object) -> None:
        """Run a subscriber's callback; its exception is logged once, never kills the worker."""
        if callback is None:
            return
        try:
            callback(argument)
        except Exception:
            if name not in self._failed_callbacks:
                self._failed_callbacks.add(name)
                log.exception("Stream %s: the %s subscriber raised; it keeps being called", self._name, name)

    def _log_phase(self, state: RestartState) -> None:
        if state.phase is StreamState.PLAYING:
            reading = self._meter.read(self._clock())
            log.info(
                "Stream %s: playing %s %sx%s from %s",
                self._name, reading.codec, reading.width, reading.height, self._shown_url,
            )
        elif state.phase is StreamState.SIGNAL_LOST:
            log.warning("Stream %s: signal lost (%s)", self._name, state.last_error or "no picture")
        else:
            log.info("Stream %s: %s", self._name, state.phase.value)

    def _log_failure(self, state: RestartState, delay_s: float) -> None:
        # An outage repeats the same failure every second; say it once, then quietly.
        level = logging.DEBUG if state.last_error == self._logged_error else logging.WARNING
        self._logged_error = state.last_error
        log.log(level, "Stream %s: %s; retrying in %.1f s", self._name, state.last_error, delay_s)

    def _describe(self, exc: BaseException) -> str:
        """One sentence for people about a failed attempt, without credentials."""
        host = self._host
        if isinstance(exc, _SourceFailure):
            return str(exc)
        if isinstance(exc, av.error.HTTPUnauthorizedError):
            if not _url_part(self._url, "username"):
                return (f"{host} asks for a user name and password; give them in the stream's url in the config "
                        "(rtsp://user:password@host/...)")
            return f"{host} refused the user name or password; correct them in the stream's url in the config"
        if isinstance(exc, av.error.HTTPForbiddenError):
            return f"{host} refused access to this stream; check the account's rights on the camera"
        if isinstance(exc, av.error.HTTPNotFoundError):
            return f"{host} has no stream at this path; check the path in the stream's URL"
        if isinstance(exc, ConnectionRefusedError):
            return f"{host} refused the connection; check that the camera is on and the port is right"
        if isinstance(exc, (av.error.ExitError, TimeoutError)):
            return f"{host} stopped answering; check the network path to the camera"
        if isinstance(exc, (av.error.ProtocolNotFoundError, av.error.FileNotFoundError)):
            return f"the URL {self._shown_url} cannot be opened; check the stream's URL"
        if isinstance(exc, EOFError):
            return "the source ended the stream"
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        return self._scrub(f"{self._shown_url} could not be played: {reason}")

    def _scrub(self, text: str) -> str:
        """Replace the raw URL and its password wherever they appear in ``text``."""
        text = text.replace(self._url, self._shown_url)
        password = _url_part(self._url, "password")
        return text.replace(password, "****") if password else text


def _url_part(url: str, part: str) -> str | None:
    """One attribute of ``urlsplit(url)``, or ``None`` where the URL cannot be parsed."""
    try:
        return getattr(urlsplit(url), part)
    except ValueError:
        return None
