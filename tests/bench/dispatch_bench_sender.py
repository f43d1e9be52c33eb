"""The gateway's uplink path alone, for the dispatch benchmark: one ``DispatchWorker`` re-encoding
a camera to a fixed size and bitrate and pushing it to an SRT listener, until SIGTERM.

    .venv/bin/python tests/bench/dispatch_bench_sender.py CAMERA_URL SRT_URL KBPS WIDTH HEIGHT FPS

Run in a process of its own by ``bench_dispatch.py`` so that its CPU (the pull, the mux and
the ffmpeg child) is measured apart from HQ's receiver. The plan is fixed: the benchmark
measures the path, not the budget policy (tests/video/test_dispatch_policy.py does that).
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from radios.config import DispatchConfig, StreamConfig  # noqa: E402
from video.dispatch_policy import TRANSCODE, DispatchPlan  # noqa: E402
from video.dispatch_target import DispatchTarget  # noqa: E402
from video.dispatch_worker import DispatchWorker  # noqa: E402


def main(argv: list[str]) -> int:
    camera_url, target_url = argv[0], argv[1]
    kbps, width, height, fps = (int(value) for value in argv[2:6])
    stream = StreamConfig(id="clock", name="Clock", kind="fixed", url=camera_url)
    target = DispatchTarget.for_stream(DispatchConfig(url=target_url), "bench-1", stream.id)
    plan = DispatchPlan(stream.id, TRANSCODE, share_kbps=int(kbps / 0.8), video_kbps=kbps,
                        width=width, height=height, fps=fps)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    worker = DispatchWorker(stream, target, plan=plan,
                            on_status=lambda status: print(status.state, status.detail, file=sys.stderr, flush=True))
    worker.start()
    while not done.wait(0.5):
        pass
    return 0 if worker.stop(10) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
