"""Fake cameras: GStreamer's RTSP server serving live H.264 test pictures, for the demo and tests.

A camera that needs no hardware, speaking real RTSP to the real ingest. Run with the
system Python (python3-gi is not in the venv)::

    /usr/bin/python3 video/fake_cameras.py PORT MOUNT[=LABEL] [MOUNT[=LABEL] ...] [--audio-only MOUNT]

Every mount (``/cam1``, ``drone1=DRONE 1`` ...) serves a shared 640x360 25 fps moving
test picture (the pattern scrolls, so a frozen picture shows) with its label and the
sender's clock burnt in, encoded by x264 (zero latency, a key frame every second), over
RTP/TCP and RTP/UDP, on 127.0.0.1. An ``--audio-only`` mount serves a tone in Opus and no
video at all, like a radio gateway mistaken for a camera. The script
prints ``READY`` on stdout once the port is bound and runs until it is terminated
(SIGTERM or SIGINT). With ``--auth USER:PASSWORD`` every mount asks for HTTP Basic
credentials, so a wrong password gets RTSP's ``401 Unauthorized``.
"""

from __future__ import annotations

import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

PATTERNS = ("smpte", "ball", "pinwheel", "spokes", "gradient", "snow")


def pipeline(label: str, pattern: str) -> str:
    """The launch line of one camera; ``label`` is burnt in top left, the clock top right."""
    text = label.replace("\\", "").replace('"', "")[:40]
    overlay = (f' ! textoverlay text="{text}" valignment=top halignment=left font-desc="Sans Bold 20"'
               ' ! clockoverlay valignment=top halignment=right time-format="%H:%M:%S" font-desc="Sans 16"'
               if text else "")
    return (
        f"( videotestsrc is-live=true pattern={pattern} horizontal-speed=1"
        " ! video/x-raw,width=640,height=360,framerate=25/1"
        f"{overlay} ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25"
        " ! rtph264pay name=pay0 pt=96 )"
    )


AUDIO_ONLY = "( audiotestsrc is-live=true wave=sine ! audioconvert ! opusenc ! rtpopuspay name=pay0 pt=97 )"


def _require_login(server: GstRtspServer.RTSPServer, credentials: str) -> GstRtspServer.RTSPPermissions:
    """Make the server ask for Basic credentials; return the permissions a mount needs."""
    user, _, password = credentials.partition(":")
    auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string("media.factory.role", user)
    auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
    server.set_auth(auth)
    permissions = GstRtspServer.RTSPPermissions()
    permissions.add_role_from_structure(
        Gst.Structure.new_from_string(f"{user}, media.factory.access=(boolean)true, media.factory.construct=(boolean)true")
    )
    return permissions


SERVER_ELEMENTS = ("rtpbin", "rtpsession", "udpsrc", "udpsink", "multiudpsink", "appsrc", "appsink", "funnel",
                   "queue", "tee", "rtpstorage")
"""Elements the RTSP server makes for each client's session, besides the mounts' own."""


def _load_plugins(launch_lines: list[str]) -> None:
    """Load every plugin the mounts and the server's sessions use, here on the main thread.

    Otherwise they load when the first client connects, on the server's threads, where
    glibc's loader can trip over two at once ("Inconsistency detected by ld.so") and end
    the process under a running test.
    """
    for line in launch_lines:
        Gst.parse_launch(line).set_state(Gst.State.NULL)
    for name in SERVER_ELEMENTS:
        factory = Gst.ElementFactory.find(name)
        if factory is not None:
            factory.load()


def main(argv: list[str]) -> int:
    """Serve the given mounts on 127.0.0.1:PORT until terminated."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("port", type=int)
    parser.add_argument("mounts", nargs="+")
    parser.add_argument("--auth", metavar="USER:PASSWORD")
    parser.add_argument("--audio-only", metavar="MOUNT", action="append", default=[])
    args = parser.parse_args(argv)

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    permissions = _require_login(server, args.auth) if args.auth else None
    mounts = server.get_mount_points()
    for number, spec in enumerate([*args.mounts, *args.audio_only]):
        mount, _, label = spec.partition("=")
        factory = GstRtspServer.RTSPMediaFactory()
        if number >= len(args.mounts):
            factory.set_launch(AUDIO_ONLY)
        else:
            factory.set_launch(pipeline(label, PATTERNS[number % len(PATTERNS)] if label else "smpte"))
        factory.set_shared(True)
        factory.set_protocols(GstRtsp.RTSPLowerTrans.TCP | GstRtsp.RTSPLowerTrans.UDP)
        if permissions is not None:
            factory.set_permissions(permissions)
        mounts.add_factory("/" + mount.lstrip("/"), factory)

    _load_plugins([pipeline("preload", "smpte"), AUDIO_ONLY])
    if server.attach(None) == 0:
        print(f"ERROR: cannot listen on 127.0.0.1:{args.port}", file=sys.stderr, flush=True)
        return 1

    loop = GLib.MainLoop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signum, loop.quit)
    print("READY", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
