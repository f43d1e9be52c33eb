"""``mcv video probe`` run as a subprocess against the real GStreamer RTSP test server:
the figures of a live stream, and one clear line, a non-zero exit and masked credentials
within 10 s for each way a stream can fail."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import wave

PASSWORD = "s3cret-pw"
FAIL_WITHIN_S = 10.0


def mcv(*args: str) -> tuple[subprocess.CompletedProcess, float]:
    """Run ``mcv`` in a fresh interpreter; its result and how long it took."""
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "console", *args], capture_output=True, text=True,
                            timeout=60, stdin=subprocess.DEVNULL)
    return result, time.monotonic() - started


def test_probe_prints_the_figures_of_a_live_stream(rtsp_server):
    server = rtsp_server(auth=f"operator:{PASSWORD}")
    result, _ = mcv("video", "probe", server.url("cam1", f"operator:{PASSWORD}"), "--seconds", "2", "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["codec"] == "h264"
    assert (figures["width"], figures["height"]) == (640, 360)
    assert figures["fps"] > 10
    assert figures["bitrate_kbps"] > 0
    assert 0 < figures["first_frame_s"] < FAIL_WITHIN_S
    assert PASSWORD not in result.stdout + result.stderr
    assert "operator:****@" in figures["url"]


def test_probe_text_output(rtsp_server):
    server = rtsp_server()
    result, _ = mcv("video", "probe", server.url(), "--seconds", "1")
    assert result.returncode == 0, result.stderr
    line = result.stdout.strip()
    assert "h264 640x360" in line and "fps" in line and "kb/s" in line and "first picture after" in line


def test_refused_credentials_fail_with_one_masked_line(rtsp_server):
    server = rtsp_server(auth=f"operator:{PASSWORD}")
    result, took = mcv("video", "probe", server.url("cam1", "operator:wrong-pw"))
    assert result.returncode == 1
    assert took < FAIL_WITHIN_S
    assert result.stdout == ""
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    assert "refused the user name or password" in message
    assert "wrong-pw" not in message and "operator:****@" in message


def test_unreachable_host_fails_within_10_s():
    result, took = mcv("video", "probe", "rtsp://192.0.2.1:554/cam1")  # TEST-NET-1: nobody answers
    assert result.returncode == 1
    assert took < FAIL_WITHIN_S
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    assert "192.0.2.1" in message


def test_refused_port_fails_at_once(port):
    result, took = mcv("video", "probe", f"rtsp://127.0.0.1:{port}/cam1")
    assert result.returncode == 1
    assert took < FAIL_WITHIN_S
    assert "refused the connection" in result.stderr


def test_source_without_video_fails_with_one_line(tmp_path):
    audio = tmp_path / "audio_only.wav"
    with wave.open(str(audio), "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(8000)
        sound.writeframes(b"\0\0" * 8000)
    result, took = mcv("video", "probe", str(audio))
    assert result.returncode == 1
    assert took < FAIL_WITHIN_S
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    assert "no video stream" in message
