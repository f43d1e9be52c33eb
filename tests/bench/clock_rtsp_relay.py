"""An RTSP server relaying one H.264 RTP feed from a local UDP port, for the video benchmark.

Run with the system Python (python3-gi is not in the venv)::

    /usr/bin/python3 tests/bench/clock_rtsp_relay.py RTSP_PORT UDP_PORT

Serves ``rtsp://127.0.0.1:RTSP_PORT/clock`` (RTP over TCP and UDP, one pipeline shared by
every client) from the RTP packets FFmpeg sends to ``127.0.0.1:UDP_PORT``: depayloaded
and payloaded again, with the parameter sets before every key frame, so a client that
joins late gets a picture at the next key frame. No jitter buffer: nothing waits here.
Prints ``READY`` once the port is bound; runs until SIGTERM or SIGINT.
"""

from __future__ import annotations

import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

UDP_BUFFER_BYTES = 4 << 20  # a 720p key frame arrives as one burst of packets


def launch_line(udp_port: int) -> str:
    caps = "application/x-rtp,media=video,clock-rate=90000,encoding-name=H264,payload=96"
    return (f'( udpsrc address=127.0.0.1 port={udp_port} buffer-size={UDP_BUFFER_BYTES} caps="{caps}"'
            " ! rtph264depay wait-for-keyframe=true ! rtph264pay name=pay0 pt=96 config-interval=-1 )")


def main(argv: list[str]) -> int:
    rtsp_port, udp_port = int(argv[0]), int(argv[1])
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(rtsp_port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(launch_line(udp_port))
    factory.set_shared(True)
    factory.set_protocols(GstRtsp.RTSPLowerTrans.TCP | GstRtsp.RTSPLowerTrans.UDP)
    server.get_mount_points().add_factory("/clock", factory)
    if server.attach(None) == 0:
        print(f"ERROR: cannot listen on 127.0.0.1:{rtsp_port}", file=sys.stderr, flush=True)
        return 1
    loop = GLib.MainLoop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signum, loop.quit)
    print("READY", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
