"""The dispatch budget from the backhaul's measured capacity with SRT, on a real narrow link: the
GStreamer test camera (about 2.1 Mbit/s) pushed by SRT through a UDP relay held to 1,500 kbit/s
to an ffmpeg listening as HQ. The configured link (3,000 kb/s) is wrong; SRT's own figures show
the link full, the push is re-encoded down to fit, probing measures the link from below, HQ
gets a decodable stream, and when the relay widens probing finds it."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from support import wait_until

sys.path.insert(0, str(Path(__file__).parent))  # the peers sit beside this file
from dispatch_peers import RestartingReceiver, read_received  # noqa: E402
from narrow_link import NarrowUdpLink  # noqa: E402
from rtsp_peer import FakeStreamConfig  # noqa: E402

from radios.config import DispatchConfig  # noqa: E402
from video.dispatch_capacity import MEASURED, CapacityEstimatePolicy  # noqa: E402
from video.dispatch_policy import TRANSCODE  # noqa: E402
from video.dispatch_service import DispatchService  # noqa: E402
from video.dispatch_worker import SENDING, TRANSCODING  # noqa: E402

LINK_KBPS = 1500
WIDER_KBPS = 3000
CONFIGURED_KBPS = 3000
CONVERGE_TIMEOUT_S = 60.0  # from the first byte sent: full, drop, clear, one or two probes from below
FOLLOW_TIMEOUT_S = 60.0  # from the link widening: the next probe (its wait doubles after each that filled)


@pytest.fixture
def camera(rtsp_server):
    return rtsp_server()


@pytest.fixture
def hq(tmp_path):
    receiver = RestartingReceiver(tmp_path, "srt")
    yield receiver
    receiver.stop()


@pytest.fixture
def link(hq):
    relay = NarrowUdpLink(hq.port, LINK_KBPS)
    yield relay
    relay.close()


def within(kbps: int | None, link_kbps: int) -> bool:
    return kbps is not None and abs(kbps - link_kbps) <= 0.25 * link_kbps


def test_an_srt_push_measures_a_narrow_link_fits_it_and_finds_it_wider(camera, hq, link, tmp_path):
    events: list[tuple[str, str]] = []
    config = DispatchConfig(url=f"srt://127.0.0.1:{link.port}?latency=120000", stream_kbps=6000, total_kbps=6000)
    # The production times, shortened so the whole story fits in a test: settle 4 s, probe after 6 s clear;
    # probes of 5 % of the ceiling (150 kb/s, doubling while they fit): SRT's capacity is found from below.
    capacity = CapacityEstimatePolicy(CONFIGURED_KBPS, settle_s=4.0, probe_after_s=6.0, probe_step_percent=5)
    service = DispatchService(config, "test-1", [FakeStreamConfig(url=camera.url())], CONFIGURED_KBPS,
                              capacity=capacity, on_event=lambda *e: events.append(e))
    try:
        service.request("cam1", "start")
        assert wait_until(lambda: [s.state for s in service.snapshot().streams] in ([SENDING], [TRANSCODING]),
                          30), service.snapshot()
        sending_at = time.monotonic()
        trace: list[tuple[float, int | None, str]] = []

        def converged() -> bool:
            snapshot = service.snapshot()
            trace.append((round(time.monotonic() - sending_at, 1), snapshot.capacity_kbps, snapshot.capacity_source))
            return snapshot.capacity_source == MEASURED and within(snapshot.capacity_kbps, LINK_KBPS)
        assert wait_until(converged, CONVERGE_TIMEOUT_S), (list(dict.fromkeys(kbps for _, kbps, _ in trace)),
                                                          "\n".join(text for _, text in events))
        converged_s = time.monotonic() - sending_at
        measured = service.snapshot().capacity_kbps
        print(f"\nmeasured {measured} kb/s for a {LINK_KBPS} kb/s link, {converged_s:.1f} s after sending began;"
              f" estimates {[kbps for kbps in dict.fromkeys(kbps for _, kbps, _ in trace)]}")
        assert any("did not carry what was sent" in text for _, text in events), events
        print("\n".join(text for _, text in events if "Backhaul" in text))
        budget = service.snapshot().budget_kbps
        # 30 % of the link is kept for the outbox and telemetry (of the capacity and the probe on top, if one runs)
        assert budget <= 0.75 * capacity.estimate.planned_kbps

        # The push is re-encoded to its share and fits: SRT's figures show the link carrying it.
        worker = service._workers["cam1"]

        def fits() -> bool:
            status = service.snapshot().streams[0]
            return (status.state == TRANSCODING and status.share_kbps <= service.snapshot().budget_kbps
                    and status.out_kbps > 0 and not worker.link_full())
        assert wait_until(fits, 20), service.snapshot()
        assert worker.plan.mode == TRANSCODE and worker.plan.video_kbps < LINK_KBPS
        assert service.snapshot().streams[0].out_kbps <= LINK_KBPS
        assert link.passed_kbps(3.0) <= LINK_KBPS * 1.05

        # The link widens: probing finds it (up to the configured ceiling), and the budget follows.
        link.set_rate(WIDER_KBPS)
        widened_at = time.monotonic()
        assert wait_until(lambda: capacity.estimate.kbps >= 1.4 * measured, FOLLOW_TIMEOUT_S), \
            (service.snapshot(), events)
        print(f"capacity {measured} -> {capacity.estimate.kbps} kb/s, budget {budget} -> "
              f"{service.snapshot().budget_kbps} kb/s {time.monotonic() - widened_at:.1f} s after the link widened "
              f"to {WIDER_KBPS} kb/s")
        assert service.snapshot().budget_kbps > budget
    finally:
        service.stop()
    # HQ got a decodable stream: the longest publish it received.
    hq.stop()
    received = max(tmp_path.glob("received-srt-*.ts"), key=lambda path: path.stat().st_size)
    got = read_received(received)
    assert got.frames >= 50 and got.width and got.height, got
