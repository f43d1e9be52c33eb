"""Where a dispatched stream goes and how ffmpeg is told to send it there: SRT or RTMP to HQ.

PyAV's bundled FFmpeg has no SRT and no RTMP output, so each dispatched stream is pushed by
a ``/usr/bin/ffmpeg`` child fed NUT on its stdin (``DispatchWorker``). This module is
the pure part of that: the target URL from the ``[dispatch]`` template, ffmpeg's argument
list for a ``DispatchPlan`` (copy, or x264 with a VBV cap), and ffmpeg's error lines turned
into one sentence for people. Secrets never leave it unmasked: ``shown_url`` and every
sentence carry ``****`` in their place. For SRT the child writes MPEG-TS to its stdout and
a sender child of the gateway's sends it through libsrt (``video/srt_push.py``), so the
passphrase is a socket option handed over a pipe and SRT's statistics measure the link; an
RTMP child's arguments do hold the key (ffmpeg 5 reads it only from its command line), so
another local user may see it with ``ps``; docs/video_dispatch.md says how to close that.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from radios.config import MASK, DispatchConfig, mask_url
from video import srt_library
from video.dispatch_policy import TRANSCODE, DispatchPlan
from video.srt_report import SRT, SenderFailure
from video.srt_sender import SrtCallerSettings

FFMPEG = "/usr/bin/ffmpeg"
PROGRESS_PERIOD_S = 0.5
PROBE_BYTES = 65_536  # how much of the piped input ffmpeg reads before it connects: it starts at a key frame
PIPE_FORMAT = "nut"
"""The container on the pipe from the gateway to its ffmpeg child. NUT states each packet's
size, so the child's demuxer hands a frame on as soon as it is in; MPEG-TS's video PES has
no length and the demuxer waits for the next frame's start to end one: fed frame by frame,
ffmpeg put out each frame two frames (80 ms at 25 frames/s) later from MPEG-TS than from NUT
(docs/video_dispatch.md, the benchmark)."""
MAX_REASON_CHARS = 240
_PLACEHOLDER = re.compile(r"\{(vehicle|stream|password)\}")
SEND_BUFFER_S = 1.0
"""The TCP send buffer of an RTMP push holds this long of the stream's share (64 KiB at least).
Linux grows an unset one to megabytes, which a narrow link fills for tens of seconds before
ffmpeg's writes slow down; sized like this, a push the link cannot carry falls behind its
camera within seconds, which is how the capacity is measured (video/dispatch_capacity.py),
and a round trip of up to about a second still does not hold a stream below its share."""
MIN_SEND_BUFFER = 65_536
FORMATS = {"srt": "mpegts", "rtmp": "flv", "rtmps": "flv"}


@dataclass(frozen=True)
class DispatchTarget:
    """One stream's destination at HQ: the full URL (secret inside) and how it may be shown."""

    url: str = field(repr=False)
    shown_url: str
    secret: str | None = field(default=None, repr=False)  # [dispatch] password_file's text
    ffmpeg: str = FFMPEG

    @classmethod
    def for_stream(cls, config: DispatchConfig, vehicle: str, stream: str, ffmpeg: str = FFMPEG) -> DispatchTarget:
        """Fill in ``{vehicle}``, ``{stream}`` and ``{password}``; SRT calls out, the password is its passphrase."""
        if not config.url:
            raise ValueError("[dispatch] url is not set")
        template = config.url
        secret = config.password or ""
        # One pass, so nothing filled in is read again: a stream id may come from a TAK device, and
        # '&', '?', '=' or '{password}' in it must not add options to the url or the secret to its path.
        def filled(password: str) -> str:
            fields = {"vehicle": vehicle, "stream": quote(stream, safe="-_.~{}"), "password": password}
            return _PLACEHOLDER.sub(lambda found: fields[found.group(1)], template)

        url, shown = filled(secret), mask_url(filled(MASK))
        for written in url_secrets(url):  # a passphrase or key written into the url itself, not the file
            shown = shown.replace(written, MASK)
        if cls.scheme_of(url) == "srt" and "mode=" not in url:
            url += ("&" if "?" in url else "?") + "mode=caller"
            shown += ("&" if "?" in shown else "?") + "mode=caller"
        return cls(url=url, shown_url=shown, secret=secret or None, ffmpeg=ffmpeg)

    @staticmethod
    def scheme_of(url: str) -> str:
        return url.partition("://")[0].lower()

    @property
    def passphrase(self) -> str | None:
        """SRT's encryption passphrase: the secret, when the target speaks SRT."""
        return self.secret if self.scheme_of(self.url) == "srt" else None

    @property
    def sends_srt(self) -> bool:
        """Whether the child's output goes to HQ through the gateway's SRT sender child (``srt_settings``)."""
        return self.scheme_of(self.url) == "srt"

    def srt_settings(self) -> SrtCallerSettings:
        """The SRT caller's options from the URL, passphrase included; ``ValueError`` names a bad one."""
        return SrtCallerSettings.from_url(self.url, self.passphrase)

    @property
    def format(self) -> str:
        """The container ffmpeg sends: MPEG-TS over SRT, FLV over RTMP."""
        return FORMATS[self.scheme_of(self.url)]

    @property
    def place(self) -> str:
        """``host:port`` of HQ's media server, for sentences."""
        try:
            parts = urlsplit(self.url)
            return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)
        except ValueError:
            return "HQ's media server"

    def available(self) -> str | None:
        """None when the ffmpeg binary is there, else a sentence saying what to install."""
        if shutil.which(self.ffmpeg) is None:
            return f"{self.ffmpeg} is missing; install Debian's ffmpeg (installer/setup.sh) to send video to HQ"
        if self.sends_srt:  # libsrt itself is loaded only in the sender child, which says when it is missing
            try:
                self.srt_settings()
            except ValueError as exc:
                return self.scrub(str(exc))
        return None

    def ffmpeg_args(self, plan: DispatchPlan) -> list[str]:
        """The child's argument list (never a shell): NUT from stdin, progress on stderr, out to HQ."""
        args = [self.ffmpeg, "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error",
                "-progress", "pipe:2", "-stats_period", str(PROGRESS_PERIOD_S),
                "-fflags", "nobuffer", "-probesize", str(PROBE_BYTES), "-analyzeduration", str(PROBE_BYTES),
                "-f", PIPE_FORMAT, "-i", "pipe:0", "-map", "0:v:0", "-an"]
        if plan.mode == TRANSCODE:
            kbps = max(1, plan.video_kbps)
            fps = plan.fps or 25
            scale = f"scale={plan.width or -2}:{plan.height or -2}"
            args += ["-vf", f"{scale},fps={fps}", "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency",
                     "-pix_fmt", "yuv420p", "-bf", "0", "-g", str(fps * 2),
                     # A VBV of half a second keeps each second's bits within the budget.
                     "-b:v", f"{kbps}k", "-maxrate", f"{kbps}k", "-bufsize", f"{max(1, kbps // 2)}k",
                     "-x264-params", "force-cfr=1"]
        else:
            args += ["-c:v", "copy"]
        args += ["-f", self.format, "-flush_packets", "1"]
        if self.sends_srt:
            return args + ["pipe:1"]  # to the SRT sender child (video/srt_push.py): no secret here
        if self.format == "flv":
            args += ["-send_buffer_size", str(send_buffer_bytes(plan.share_kbps))]
        return args + [self.url]

    def explain(self, lines: list[str], returncode: int | None) -> str:
        """What ffmpeg's last error lines mean for people, in one sentence, secrets masked."""
        text = self.scrub("\n".join(lines))
        place = self.place
        # Words are looked for outside the server's address: a port such as 40317 is not a 403.
        lower = text.lower().replace(self.shown_url.lower(), " ").replace(place.lower(), " ")
        if "incorrect passphrase" in lower or "badsecret" in lower:
            return (f"HQ's media server at {place} refused the SRT passphrase; "
                    "make [dispatch] password_file hold HQ's passphrase")
        if "passphrase" in lower and ("length" in lower or "invalid" in lower):
            return "the SRT passphrase must be 10 to 79 characters; correct [dispatch] password_file"
        if "connection refused" in lower:
            return (f"HQ's media server at {place} refused the connection; "
                    "check [dispatch] url and that the server is running")
        if "rejected" in lower or "reject" in lower:
            return f"HQ's media server at {place} rejected the stream ({_last(text)}); check [dispatch] url"
        if re.search(r"unauthorized|authorization|badname|forbidden|\b40[13]\b", lower):
            return (f"HQ's media server at {place} refused the stream's key or login; "
                    "check [dispatch] url and password_file")
        if "protocol not found" in lower:
            return f"this ffmpeg cannot send {self.scheme_of(self.url)}://; install Debian's ffmpeg"
        if "name or service not known" in lower or "failed to resolve" in lower or "temporary failure" in lower:
            return f"the host of {self.shown_url} is unknown; correct [dispatch] url"
        if self.scheme_of(self.url) == "srt" and "input/output error" in lower:
            return (f"HQ's media server at {place} did not answer or went away; "
                    "check [dispatch] url and that the server listens for SRT there")
        if "input/output error" in lower or "broken pipe" in lower or "end of file" in lower:
            return f"the connection to HQ's media server at {place} broke; it is tried again"
        if "invalid data" in lower or "could not find codec" in lower:
            return "the camera's video could not be read for sending; check the camera's codec (H.264 or H.265)"
        if text.strip():
            return f"ffmpeg stopped sending to {self.shown_url}: {_last(text)}"
        return f"ffmpeg stopped sending to {self.shown_url} (exit status {returncode})"

    def explain_srt(self, failure: SenderFailure) -> str:
        """What the SRT sender child's failure means for people, in one sentence, secrets masked."""
        text = self.scrub(failure.text)
        reject, place = failure.reject, self.place
        if failure.kind != SRT:
            return _last(text)  # libsrt missing or settings refused: already a sentence with the fix
        if reject == srt_library.SRT_REJ_UNSECURE:
            return (f"HQ's media server at {place} wants an SRT passphrase, or none, unlike ours; "
                    "make [dispatch] password_file match HQ's (or remove it)")
        if reject is not None and reject >= srt_library.SRT_REJC_PREDEFINED:
            return (f"HQ's media server at {place} rejected the stream (its code {reject}); "
                    "check [dispatch] url's streamid and password_file")
        if reject == srt_library.SRT_REJ_TIMEOUT or failure.code in (srt_library.SRT_ECONNLOST,
                                                                      srt_library.SRT_ENOCONN):
            return (f"HQ's media server at {place} did not answer or went away; "
                    "check [dispatch] url and that the server listens for SRT there")
        return self.explain([text], None)

    def scrub(self, text: str) -> str:
        """``text`` with the raw URL and every secret replaced by their masked forms."""
        text = text.replace(self.url, self.shown_url)
        for secret in (self.secret, urlsplit_password(self.url), *url_secrets(self.url)):
            if secret:
                text = text.replace(secret, MASK)
        return text


def send_buffer_bytes(share_kbps: int) -> int:
    """The RTMP push's TCP send buffer for a stream's share (``SEND_BUFFER_S`` of it)."""
    return max(MIN_SEND_BUFFER, int(share_kbps * 1000 / 8 * SEND_BUFFER_S))


SECRET_QUERY_KEYS = frozenset({"passphrase", "key", "password", "pass", "token", "secret"})


def url_secrets(url: str) -> list[str]:
    """Values of the url's query options that are secrets (``passphrase=…``, ``key=…``), longest first."""
    query = url.partition("?")[2].partition("#")[0]
    values = [value for key, _, value in (option.partition("=") for option in query.split("&"))
              if key.lower() in SECRET_QUERY_KEYS and value and value != MASK]
    return sorted(values, key=len, reverse=True)


def urlsplit_password(url: str) -> str | None:
    try:
        return urlsplit(url).password
    except ValueError:
        return None


def _last(text: str) -> str:
    """The last non-empty line, without ffmpeg's ``[srt @ 0x…]`` prefix, cut to a readable length."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return ""
    line = lines[-1]
    if line.startswith("[") and "] " in line:
        line = line.split("] ", 1)[1]
    line = "".join(ch if ch.isprintable() else "?" for ch in line)
    return line[:MAX_REASON_CHARS]
