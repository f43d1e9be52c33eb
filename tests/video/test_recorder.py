"""Recording without re-encoding: real RTSP in, MPEG-TS segments that decode, a manifest that
verifies; a stalled disk drops whole GOPs without slowing the ingest; a full disk stops
with a clear state; a stream id never leads out of the recordings folder."""

from __future__ import annotations

import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import av
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rtsp_peer import RtspTestServer, free_port
from support import wait_until

import video.recorder
from video.evidence import MANIFEST_NAME, verify
from video.file_names import timestamped_file
from video.recorder import RecorderSettings, RecorderState, StreamRecorder
from video.recording_service import RecordingService

RECORD_S = 3.0


@dataclass(frozen=True)
class RecordedStream:
    """The attributes of ``radios.config.StreamConfig`` the recording service reads."""

    url: str
    id: str
    record: bool
    name: str = "Test camera"
    kind: str = "fixed"
    sub_url: str | None = None
    transport: str = "tcp"
    latency_ms: int = 200


@dataclass(frozen=True)
class Recording:
    root: Path
    folder: Path
    seconds: float
    cpu_s: float
    segments: int


@pytest.fixture(scope="module")
def recording(tmp_path_factory) -> Recording:
    """~3 s of a real RTSP camera recorded by the service into 1 s segments (all stopped before use)."""
    root = tmp_path_factory.mktemp("recordings")
    server = RtspTestServer(free_port(), ("cam1",))
    server.start()
    try:
        streams = [RecordedStream(server.url(), "cam1", record=True),
                   RecordedStream(server.url(), "not-recorded", record=False)]
        service = RecordingService(streams, RecorderSettings(folder=root, segment_s=1.0))
        service.start()
        try:
            assert wait_until(lambda: service.statuses()[0].state is RecorderState.RECORDING, 15)
            started = time.monotonic()
            assert wait_until(lambda: time.monotonic() - started >= RECORD_S, RECORD_S + 1)
        finally:
            service.stop()
        seconds = time.monotonic() - started
    finally:
        server.stop()
    [status] = service.statuses()
    assert status.state is RecorderState.STOPPED, status
    return Recording(root, status.folder, seconds, status.cpu_s, status.segments)


def segments(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.ts"))


def decoded_frames(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def test_a_real_stream_becomes_decodable_segments_that_verify(recording):
    assert [p.name for p in recording.root.iterdir()] == ["cam1"]  # the unrecorded stream left no folder
    files = segments(recording.folder)
    assert len(files) >= 2 and len(files) == recording.segments
    for path in files:
        assert path.name.startswith("cam1_") and decoded_frames(path) > 0
    report = verify(recording.folder)
    assert report.ok, report.problems
    assert report.segments == len(files)
    cpu_share = recording.cpu_s / recording.seconds
    print(f"recorder writer thread: {cpu_share:.2%} of a core for one 640x360 stream")
    assert cpu_share < 0.05  # no decoding, no encoding: a remux costs next to nothing


def test_a_segment_cut_off_by_a_power_loss_still_plays(recording, tmp_path):
    whole = max(segments(recording.folder), key=lambda p: p.stat().st_size)
    cut = tmp_path / "cut.ts"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    assert 0 < decoded_frames(cut) < decoded_frames(whole)


def test_a_flipped_byte_in_a_real_segment_fails_verification(recording, tmp_path):
    copy = shutil.copytree(recording.folder, tmp_path / "copy")
    target = segments(copy)[-1]
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x80
    target.write_bytes(bytes(data))
    report = verify(copy)
    assert not report.ok and target.name in report.problems[0]


@pytest.fixture
def source_file(recording) -> Path:
    """A recorded segment, demuxed again as a stand-in for a live input."""
    return max(segments(recording.folder), key=lambda p: p.stat().st_size)


def feed(recorder: StreamRecorder, path: Path) -> tuple[int, float]:
    """Demux ``path`` into ``recorder.on_packet`` as the ingest would; returns packets and longest call (s)."""
    count, longest = 0, 0.0
    with av.open(str(path)) as container:
        for packet in container.demux():
            if packet.size == 0:
                continue
            began = time.perf_counter()
            recorder.on_packet(packet)
            longest = max(longest, time.perf_counter() - began)
            count += 1
    return count, longest


def test_a_reconnect_starts_a_new_segment_and_both_are_listed(source_file, tmp_path):
    recorder = StreamRecorder("cam", RecorderSettings(folder=tmp_path, segment_s=60))
    recorder.start()
    try:
        feed(recorder, source_file)
        feed(recorder, source_file)  # a second input container: the camera came back
    finally:
        assert recorder.stop()
    assert recorder.status().segments == 2
    assert verify(recorder.folder).ok
    assert all(decoded_frames(path) > 0 for path in segments(recorder.folder))


def test_a_stalled_disk_drops_whole_gops_and_never_blocks_the_ingest(source_file, tmp_path, monkeypatch):
    disk_back = threading.Event()
    stalled = threading.Event()
    write = video.recorder._HashingFile.write

    def stalling_write(self, data: bytes) -> int:
        stalled.set()
        disk_back.wait(10)
        return write(self, data)

    monkeypatch.setattr(video.recorder._HashingFile, "write", stalling_write)
    recorder = StreamRecorder("cam", RecorderSettings(folder=tmp_path, queue_bytes=100_000))
    recorder.start()
    try:
        feed(recorder, source_file)
        assert stalled.wait(5)
        packets, longest = 0, 0.0
        for _ in range(3):
            count, slowest = feed(recorder, source_file)
            packets, longest = packets + count, max(longest, slowest)
        status = recorder.status()
    finally:
        disk_back.set()
        assert recorder.stop()
    print(f"on_packet: longest call {longest * 1000:.2f} ms over {packets} packets with the disk stalled")
    assert longest < 0.25  # the disk stalls for 10 s; the ingest never waits on it
    assert status.dropped_gops >= 1 and status.dropped_packets > 0
    final = recorder.status()
    assert final.segments >= 1 and verify(recorder.folder).ok
    assert all(decoded_frames(path) > 0 for path in segments(recorder.folder))


def test_a_nearly_full_disk_stops_recording_with_a_clear_state(source_file, tmp_path):
    needed = shutil.disk_usage(tmp_path).free + (1 << 40)  # more than this disk will ever have free
    recorder = StreamRecorder("cam", RecorderSettings(folder=tmp_path, min_free_bytes=needed))
    recorder.start()
    try:
        feed(recorder, source_file)
        assert wait_until(lambda: recorder.status().state is RecorderState.DISK_FULL, 5)
    finally:
        assert recorder.stop()
    status = recorder.status()
    assert status.state is RecorderState.DISK_FULL
    assert "free" in status.detail and str(recorder.folder) in status.detail
    assert segments(recorder.folder) == []


def test_segments_left_unlisted_by_a_crash_are_listed_as_recovered(source_file, tmp_path):
    folder = tmp_path / "cam"
    folder.mkdir()
    shutil.copy(source_file, folder / "cam_20261129T000000.000000Z.ts")
    recorder = StreamRecorder("cam", RecorderSettings(folder=tmp_path))
    recorder.start()
    assert recorder.stop()
    report = verify(folder)
    assert report.ok and report.segments == 1
    assert '"recovered":true' in (folder / MANIFEST_NAME).read_text()


@pytest.mark.parametrize("hostile", ["../../etc", "a/b", "x\x00y", "..", ".", "", "/etc", "..\\..\\x", "~root"])
def test_a_hostile_stream_id_stays_inside_the_recordings_folder(tmp_path, hostile):
    root = tmp_path / "recordings"
    recorder = StreamRecorder(hostile, RecorderSettings(folder=root))
    recorder.start()
    assert recorder.stop()
    assert recorder.folder.parent == root
    assert [p for p in tmp_path.rglob("*") if root not in (p, *p.parents)] == []
    assert timestamped_file(recorder.folder, hostile, ".ts").parent == recorder.folder


@given(st.text())
def test_any_stream_id_names_a_file_directly_inside_the_folder(stream_id):
    folder = Path("/nonexistent/recordings")
    path = timestamped_file(folder, stream_id, ".ts")
    assert path.parent == folder and not path.name.startswith(".") and "\x00" not in path.name


def test_the_gateway_records_beside_its_store(tmp_path):
    streams = [RecordedStream("rtsp://127.0.0.1/x", "cam", record=True),
               RecordedStream("rtsp://127.0.0.1/y", "other", record=False),
               RecordedStream("rtsp://127.0.0.1/z", "cam", record=True)]  # same folder: refused
    service = RecordingService.beside(tmp_path / "mcv.sqlite3", streams)
    assert service.settings.folder == tmp_path / "recordings"
    assert [status.stream_id for status in service.statuses()] == ["cam"]


def test_a_killed_and_restarted_camera_gives_two_segments_that_verify(rtsp_server, tmp_path):
    server = rtsp_server()
    service = RecordingService([RecordedStream(server.url(), "cam1", record=True)],
                               RecorderSettings(folder=tmp_path, segment_s=60))
    service.start()
    try:
        assert wait_until(lambda: service.statuses()[0].state is RecorderState.RECORDING, 15)
        server.kill()
        server.start()
        folder = service.statuses()[0].folder
        assert wait_until(lambda: service.statuses()[0].segments == 1 and len(segments(folder)) == 2, 20)
    finally:
        service.stop()
    assert service.statuses()[0].segments == 2
    report = verify(folder)
    assert report.ok and report.segments == 2, report.problems
    assert all(decoded_frames(path) > 0 for path in segments(folder))
