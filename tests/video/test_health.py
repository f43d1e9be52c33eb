"""HealthMeter and StreamHealth: sliding-window figures from plain timestamps."""

from __future__ import annotations

import dataclasses
import threading

import pytest

from video.health import WINDOW_S, HealthMeter, StreamHealth, StreamState


def feed(meter: HealthMeter, start: float, seconds: float, fps: float = 25.0, size: int = 5000) -> float:
    """Frames of ``size`` bytes at ``fps`` from ``start``; returns the time of the last."""
    count = round(seconds * fps)
    t = start
    for n in range(count):
        t = start + n / fps
        meter.add_bytes(t, size)
        meter.add_frame(t, 640, 360)
    return t


def test_steady_stream_reads_its_rate_and_size():
    meter = HealthMeter()
    meter.set_codec("h264")
    last = feed(meter, 10.0, 5.0)
    reading = meter.read(last)
    assert reading.fps == pytest.approx(25.0, abs=0.1)
    assert reading.bitrate_kbps == pytest.approx(5000 * 8 * 25 / 1000, rel=0.01)
    assert (reading.width, reading.height, reading.codec) == (640, 360, "h264")
    assert reading.frame_age_s == 0.0


def test_rate_is_right_just_after_the_start():
    meter = HealthMeter()
    last = feed(meter, 0.0, 0.2)  # five frames
    assert meter.read(last).fps == pytest.approx(25.0, abs=0.1)


def test_rates_fall_when_the_stream_stalls():
    meter = HealthMeter()
    last = feed(meter, 0.0, 4.0)
    half_stalled = meter.read(last + WINDOW_S / 2)
    assert half_stalled.fps < 15
    assert half_stalled.frame_age_s == pytest.approx(WINDOW_S / 2)
    gone = meter.read(last + WINDOW_S + 0.1)
    assert gone.fps == 0.0 and gone.bitrate_kbps == 0.0
    assert (gone.width, gone.height) == (640, 360)  # the last known size stays


def test_empty_meter_reads_nothing():
    reading = HealthMeter().read(5.0)
    assert reading.fps == 0.0 and reading.bitrate_kbps == 0.0
    assert reading.width is None and reading.frame_age_s is None and reading.codec is None


def test_meter_is_safe_across_threads():
    meter = HealthMeter()

    def writer() -> None:
        for n in range(2000):
            meter.add_frame(n / 1000, 1, 1)
            meter.add_bytes(n / 1000, 10)

    threads = [threading.Thread(target=writer) for _ in range(3)]
    for thread in threads:
        thread.start()
    for _ in range(200):
        meter.read(1.0)
    for thread in threads:
        thread.join()
    assert meter.read(2.0).fps > 0


def test_health_snapshot_is_frozen_and_shows_its_resolution():
    health = StreamHealth(stream_id="cam1", state=StreamState.PLAYING, width=640, height=360)
    assert health.resolution == "640x360"
    assert StreamHealth(stream_id="cam1").resolution == ""
    with pytest.raises(dataclasses.FrozenInstanceError):
        health.fps = 1.0  # type: ignore[misc]
    assert StreamState.SIGNAL_LOST == "signal_lost"
