"""The dispatch budget from the backhaul's measured capacity with SRT, on a real narrow link: the
GStreamer test camera (about 2.1 Mbit/s) pushed by SRT through a UDP relay held to 1,500 kbit/s
to an ffmpeg listening as HQ; SRT goes out through the gateway's sender child (libsrt in a process
of its own). The configured link (3,000 kb/s) is wrong; SRT's own figures show the link full,
the push is re-encoded down to fit, probing measures the link from below, HQ gets a decodable
stream, and when the relay widens probing finds it."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from support import wait_until

sys.path.insert(0, str(Path(__file__).parent))  # the peers sit beside this file
from dispatch_peers import RestartingReceiver, read_received  # noqa: E402
from narrow_link import NarrowUdpLinkProcess  # noqa: E402
from rtsp_peer import FakeStreamConfig  # noqa: E402

from radios.config import DispatchConfig  # noqa: E402
from video.dispatch_capacity import MEASURED, CapacityEstimatePolicy  # noqa: E402
from video.dispatch_policy import TRANSCODE  # noqa: E402
from video.dispatch_service import DispatchService  # noqa: E402
from video.dispatch_worker import SENDING, TRANSCODING  # noqa: E402

LINK_KBPS = 1500
WIDER_KBPS = 3000
CONFIGURED_KBPS = 3000
CONVERGE_TIMEOUT_S = 90.0  # from the first byte sent: full, drop, clear, probes from below
# (6-7 s typical; 38 s when a busy machine stalled the encoder while the link was full)
FIT_TIMEOUT_S = 40.0  # a probe running over the link is dropped first (2 s full, then a restart)
STEADY_S = 3.0  # a push sending this long is past its start's burst
FOLLOW_TIMEOUT_S = 90.0  # from the link widening: the next probe (its wait doubles after each that filled)


@pytest.fixture
def hq(tmp_path):
    receiver = RestartingReceiver(tmp_path, "srt")
    yield receiver
    receiver.stop()


@pytest.fixture
def link(hq):
    relay = NarrowUdpLinkProcess(hq.port, LINK_KBPS)
    yield relay
    relay.close()


def within(kbps: int | None, link_kbps: int) -> bool:
    return kbps is not None and abs(kbps - link_kbps) <= 0.25 * link_kbps


def test_an_srt_push_measures_a_narrow_link_fits_it_and_finds_it_wider(camera, hq, link, tmp_path):
    events: list[tuple[str, str]] = []
    config = DispatchConfig(url=f"srt://127.0.0.1:{link.port}?latency=120000", stream_kbps=6000, total_kbps=6000)
    # The production times, shortened so the whole story fits in a test: settle 4 s, probe after 6 s clear;
    # probes of the production step, 10 % of the ceiling (300 kb/s, doubling while they fit): SRT's
    # capacity is found from below.
    capacity = CapacityEstimatePolicy(CONFIGURED_KBPS, settle_s=4.0, probe_after_s=6.0, probe_step_percent=10)
    service = DispatchService(config, "test-1", [FakeStreamConfig(url=camera.url())], CONFIGURED_KBPS,
                              capacity=capacity, on_event=lambda *e: events.append(e))
    try:
        service.request("cam1", "start")
        assert wait_until(lambda: [s.state for s in service.snapshot().streams] in ([SENDING], [TRANSCODING]),
                          30), service.snapshot()
        sending_at = time.monotonic()
        trace: list[tuple[float, int | None, str]] = []

        seen: list[str] = []  # about once a second: what the estimate saw, for a failure's report

        def look() -> None:
            at = round(time.monotonic() - sending_at, 1)
            worker = service._workers.get("cam1")
            if worker is not None and (not seen or int(at) > int(float(seen[-1].split()[0]))):
                seen.append(f"{at} capacity={capacity.estimate.kbps}+{capacity.estimate.probe_kbps} "
                            f"{worker.status().state} out={worker.status().out_kbps} "
                            f"delivered={worker.delivered_kbps()} full={worker.link_full()} lag={worker.lag_s():.2f} "
                            f"relay={link.passed_kbps(1.0):.0f}")

        def converged() -> bool:
            snapshot = service.snapshot()
            trace.append((round(time.monotonic() - sending_at, 1), snapshot.capacity_kbps, snapshot.capacity_source))
            look()
            return snapshot.capacity_source == MEASURED and within(snapshot.capacity_kbps, LINK_KBPS)
        if not wait_until(converged, CONVERGE_TIMEOUT_S):
            print("\n".join(text for _, text in events), "\n".join(seen), sep="\n")
            pytest.fail(f"the capacity did not come within 25 % of {LINK_KBPS} kb/s in {CONVERGE_TIMEOUT_S} s")
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
            # Steady sending: the first window of a new push carries what queued while its sender child
            # started and called HQ (a second or so of video at once).
            status = service.snapshot().streams[0]
            return (status.state == TRANSCODING and status.share_kbps <= service.snapshot().budget_kbps
                    and worker.sending_for_s() >= STEADY_S and status.out_kbps > 0 and not worker.link_full())
        assert wait_until(fits, FIT_TIMEOUT_S), service.snapshot()
        assert worker.plan.mode == TRANSCODE and worker.plan.video_kbps < LINK_KBPS
        assert service.snapshot().streams[0].out_kbps <= LINK_KBPS
        assert link.passed_kbps(3.0) <= LINK_KBPS * 1.05

        # The link widens: probing finds it (up to the configured ceiling), and the budget follows.
        link.set_rate(WIDER_KBPS)
        widened_at = time.monotonic()

        def found_wider() -> bool:
            look()
            return capacity.estimate.kbps >= 1.4 * measured
        found = wait_until(found_wider, FOLLOW_TIMEOUT_S)
        print("\n".join(text for _, text in events[-12:]), "\n".join(seen[-70:]), sep="\n")
        assert found, f"the capacity stayed under {1.4 * measured:.0f} kb/s for {FOLLOW_TIMEOUT_S} s"
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
