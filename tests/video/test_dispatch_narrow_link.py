"""The dispatch budget from the backhaul's measured capacity, on a real narrow link: the GStreamer
test camera (about 2.1 Mbit/s) pushed by RTMP through a TCP relay held to 1,000 kbit/s to an ffmpeg
listening as HQ. The configured link (3,000 kb/s) is wrong; the measurement corrects it, the push
is re-encoded down to fit, and when the relay widens the budget follows."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from support import wait_until

sys.path.insert(0, str(Path(__file__).parent))  # the peers sit beside this file
from dispatch_peers import RestartingReceiver  # noqa: E402
from narrow_link import NarrowTcpLink  # noqa: E402
from rtsp_peer import FakeStreamConfig  # noqa: E402

from radios.config import DispatchConfig  # noqa: E402
from video.dispatch_capacity import CONFIGURED, MEASURED, CapacityEstimatePolicy  # noqa: E402
from video.dispatch_policy import TRANSCODE  # noqa: E402
from video.dispatch_service import DispatchService  # noqa: E402
from video.dispatch_worker import SENDING, TRANSCODING  # noqa: E402

LINK_KBPS = 1000
CONFIGURED_KBPS = 3000
CONVERGE_TIMEOUT_S = 25.0  # from the first byte sent: detect (2 s behind), measure, re-plan
FOLLOW_TIMEOUT_S = 25.0  # from the link widening: settle, one clear probe window, re-plan


@pytest.fixture
def hq(tmp_path):
    receiver = RestartingReceiver(tmp_path)
    yield receiver
    receiver.stop()


@pytest.fixture
def link(hq):
    relay = NarrowTcpLink(hq.port, LINK_KBPS)
    yield relay
    relay.close()


def lags_over(worker, seconds: float) -> list[float]:
    """The push's lag behind its camera, sampled every 50 ms for ``seconds``."""
    lags: list[float] = []
    deadline = time.monotonic() + seconds
    wait_until(lambda: lags.append(worker.lag_s()) or time.monotonic() > deadline, seconds + 5)
    return lags


def test_a_narrow_link_is_measured_the_push_fits_it_and_a_wider_link_is_followed(camera, hq, link):
    events: list[tuple[str, str]] = []
    config = DispatchConfig(url=f"rtmp://127.0.0.1:{link.port}/live/mcv", stream_kbps=6000, total_kbps=6000)
    # The production times, shortened so the whole story fits in a test: settle 4 s, probe after 6 s clear.
    capacity = CapacityEstimatePolicy(CONFIGURED_KBPS, settle_s=4.0, probe_after_s=6.0, probe_step_percent=25)
    service = DispatchService(config, "test-1", [FakeStreamConfig(url=camera.url())], CONFIGURED_KBPS,
                              capacity=capacity, on_event=lambda *e: events.append(e))
    try:
        assert service.snapshot().capacity_source == "" or service.snapshot().capacity_source == CONFIGURED
        service.request("cam1", "start")
        assert wait_until(lambda: [s.state for s in service.snapshot().streams] in ([SENDING], [TRANSCODING]),
                          30), service.snapshot()
        sending_at = time.monotonic()
        assert wait_until(lambda: service.snapshot().capacity_source == MEASURED, CONVERGE_TIMEOUT_S), \
            (service.snapshot(), events)
        converged_s = time.monotonic() - sending_at
        measured = service.snapshot().capacity_kbps
        print(f"\nmeasured {measured} kb/s for a {LINK_KBPS} kb/s link, {converged_s:.1f} s after sending began")
        assert abs(measured - LINK_KBPS) <= 0.25 * LINK_KBPS, (measured, events)
        budget = service.snapshot().budget_kbps
        assert budget <= 0.75 * measured  # 30 % of the link is kept for the outbox and telemetry

        # The push is re-encoded to its share and now fits: it keeps up with its camera.
        def fits() -> bool:
            status = service.snapshot().streams[0]
            return status.state == TRANSCODING and status.share_kbps <= budget and status.out_kbps > 0
        assert wait_until(fits, 20), service.snapshot()
        def status_share() -> int:
            return service.snapshot().streams[0].share_kbps
        worker = service._workers["cam1"]
        assert worker.plan.mode == TRANSCODE and worker.plan.video_kbps < LINK_KBPS
        assert max(lags_over(worker, 2.0)) < 0.5  # no packet waits: the link carries what is sent
        sent = service.snapshot().streams[0].out_kbps
        assert sent <= LINK_KBPS, sent
        assert link.passed_kbps(3.0) <= LINK_KBPS * 1.05
        assert any("measured at" in text for _, text in events), events
        assert any("to HQ" in text and f"(share {status_share()} kb/s)" in text for _, text in events), events

        # The link widens: the budget follows up by probing.
        link.set_rate(2500)
        widened_at = time.monotonic()
        assert wait_until(lambda: service.snapshot().budget_kbps >= 1.5 * budget, FOLLOW_TIMEOUT_S), \
            (service.snapshot(), events)
        wider = service.snapshot().budget_kbps
        print(f"budget {budget} -> {wider} kb/s {time.monotonic() - widened_at:.1f} s after the link "
              "widened to 2500 kb/s")
        # ... and the wider link carries it: the push at its new share keeps up, the budget holds.
        assert wait_until(lambda: status_share() == min(wider, 6000) and service.snapshot().streams[0].state
                          == TRANSCODING and service.snapshot().streams[0].out_kbps > 0, 15), service.snapshot()
        assert max(lags_over(worker, 6.0)) < 0.5
        assert service.snapshot().budget_kbps == wider, events
    finally:
        service.stop()
