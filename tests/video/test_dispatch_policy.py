"""DispatchPolicy with plain numbers: copy when a source fits its share, transcode down when not."""

from __future__ import annotations

from video.dispatch_policy import (
    BACKHAUL_DOWN, COPY, COPY_MARGIN, ENCODER_FILL, HOLD, MIN_STREAM_KBPS, PROBE, TRANSCODE, DispatchBudget,
    DispatchPolicy, SourceInfo,
)

POLICY = DispatchPolicy(DispatchBudget(stream_kbps=2500, total_kbps=4000, headroom_percent=30))
CAMERA_720 = SourceInfo("cam1", kbps=1800, width=1280, height=720, fps=25)


def test_a_source_that_fits_its_share_goes_as_it_is():
    plan = POLICY.decide(True, None, [CAMERA_720])["cam1"]
    assert plan.mode == COPY and plan.share_kbps == 2500
    assert (plan.width, plan.height) == (1280, 720)


def test_a_source_over_its_share_is_transcoded_within_it():
    plan = POLICY.decide(True, 1000, [CAMERA_720])["cam1"]  # 1000 kb/s link, 30 % kept back: 700 kb/s
    assert plan.mode == TRANSCODE and plan.share_kbps == 700
    assert plan.video_kbps == int(700 * ENCODER_FILL) <= plan.share_kbps
    assert plan.height < 720 and plan.width % 2 == 0 and plan.height % 2 == 0
    assert abs(plan.width / plan.height - 16 / 9) < 0.02


def test_the_total_is_split_between_streams_and_each_share_is_capped():
    sources = [SourceInfo(f"cam{i}", kbps=2000, width=1280, height=720, fps=25) for i in range(4)]
    plans = POLICY.decide(True, None, sources)
    assert {p.share_kbps for p in plans.values()} == {1000}
    assert sum(p.share_kbps for p in plans.values()) <= 4000
    assert {p.mode for p in plans.values()} == {TRANSCODE}
    lone = POLICY.decide(True, 100_000, sources[:1])["cam0"]
    assert lone.share_kbps == 2500  # the per-stream cap, however fat the link


def test_a_source_near_its_share_keeps_a_margin_then_holds_its_mode():
    near = SourceInfo("cam1", kbps=2400, width=1280, height=720, fps=25)  # 2400 x 1.2 > 2500
    first = POLICY.decide(True, None, [near])["cam1"]
    assert first.mode == TRANSCODE
    again = POLICY.decide(True, None, [SourceInfo("cam1", kbps=1500, width=1280, height=720)], {"cam1": first})["cam1"]
    assert again == first  # same share: no flip back (each flip restarts the push at HQ)
    copied = POLICY.decide(True, None, [SourceInfo("cam1", kbps=2000)])["cam1"]
    kept = POLICY.decide(True, None, [near], {"cam1": copied})["cam1"]
    assert copied.mode == COPY and kept.mode == COPY  # 2400 still fits 2500 without the margin
    assert 2400 * COPY_MARGIN > 2500


def test_a_new_share_decides_again():
    first = POLICY.decide(True, None, [SourceInfo("cam1", kbps=2400, height=720, width=1280)])["cam1"]
    wider = DispatchPolicy(DispatchBudget(stream_kbps=5000, total_kbps=8000))
    assert wider.decide(True, None, [SourceInfo("cam1", kbps=2400)], {"cam1": first})["cam1"].mode == COPY


def test_the_backhaul_down_holds_everything():
    plans = POLICY.decide(False, 1000, [CAMERA_720, SourceInfo("cam2")])
    assert {p.mode for p in plans.values()} == {HOLD}
    assert all(p.reason == BACKHAUL_DOWN for p in plans.values())
    assert POLICY.available_kbps(False, 1000) == 0


def test_a_share_too_thin_for_a_picture_is_held_with_the_fix():
    plan = POLICY.decide(True, 150, [CAMERA_720])["cam1"]  # 150 x 70 % = 105 kb/s
    assert plan.mode == HOLD and plan.share_kbps < MIN_STREAM_KBPS
    assert "total_kbps" in plan.reason and plan.reason != BACKHAUL_DOWN


def test_an_unmeasured_source_is_probed_first():
    assert POLICY.decide(True, None, [SourceInfo("cam1")])["cam1"].mode == PROBE


def test_never_scales_up_and_the_ladder_lowers_frame_rate_on_thin_links():
    small = SourceInfo("cam1", kbps=900, width=640, height=360, fps=25)
    plan = POLICY.decide(True, 700, [small])["cam1"]  # 490 kb/s share: 392 kb/s of video
    assert plan.mode == TRANSCODE and plan.height <= 360 and plan.fps == 12
    unknown_size = POLICY.decide(True, 700, [SourceInfo("cam1", kbps=9000)])["cam1"]
    assert (unknown_size.width, unknown_size.height) == (426, 240)


def test_no_streams_no_plans_and_output_keys_tell_a_restart():
    assert POLICY.decide(True, None, []) == {}
    a = POLICY.decide(True, None, [CAMERA_720])["cam1"]
    b = POLICY.decide(True, 3200, [CAMERA_720])["cam1"]  # 2240 kb/s share
    assert a.mode == b.mode == COPY and a.share_kbps != b.share_kbps and a.output_key == b.output_key
