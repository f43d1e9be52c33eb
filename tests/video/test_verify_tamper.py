"""``mcv video verify`` against a real recording altered by one byte: any byte of any segment's
content (sampled), every byte of the manifest, and the manifest's seal (``manifest.head``).

The recording is ~3 s of the test RTSP server's camera in 1 s segments, made once per module.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from rtsp_peer import RtspTestServer, free_port
from support import wait_until

from console.cli import main
from video.evidence import HEAD_NAME, MANIFEST_NAME, ManifestWriter, verify
from video.recorder import RecorderSettings, RecorderState
from video.recording_service import RecordingService


class Camera:
    """The attributes of a ``[[streams]]`` entry the recording service reads."""

    def __init__(self, url: str) -> None:
        self.url, self.id, self.record, self.name, self.kind = url, "cam1", True, "Camera", "fixed"
        self.sub_url, self.transport, self.latency_ms = None, "tcp", 200


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> Path:
    """A stream folder with at least two real segments, its manifest and its seal."""
    root = tmp_path_factory.mktemp("recordings")
    server = RtspTestServer(free_port(), ("cam1",))
    server.start()
    try:
        service = RecordingService([Camera(server.url())], RecorderSettings(folder=root, segment_s=1.0))
        service.start()
        try:
            assert wait_until(lambda: service.statuses()[0].state is RecorderState.RECORDING, 15)
            assert wait_until(lambda: service.statuses()[0].segments >= 2, 15)
            time.sleep(0.2)
        finally:
            service.stop()
    finally:
        server.stop()
    folder = root / "cam1"
    report = verify(folder)
    assert report.ok and report.segments >= 2, report.problems
    return folder


def flipped(path: Path, index: int, mask: int = 0x01) -> None:
    data = bytearray(path.read_bytes())
    data[index] ^= mask
    path.write_bytes(bytes(data))


def test_every_single_byte_change_of_the_manifest_is_caught(recorded, tmp_path):
    copy = shutil.copytree(recorded, tmp_path / "cam1")
    manifest = copy / MANIFEST_NAME
    original = manifest.read_bytes()
    missed = []
    for index in range(len(original)):
        for mask in (0x01, 0x20):  # a changed digit or letter, and a changed case or space
            data = bytearray(original)
            data[index] ^= mask
            manifest.write_bytes(bytes(data))
            if verify(copy).ok:
                missed.append((index, mask, bytes(original[max(0, index - 12):index + 12])))
    manifest.write_bytes(original)
    assert verify(copy).ok
    assert not missed, f"{len(missed)} one-byte changes of the manifest verify as intact, e.g. {missed[:3]}"


def test_a_changed_byte_anywhere_in_a_segment_is_caught_and_named(recorded, tmp_path):
    copy = shutil.copytree(recorded, tmp_path / "cam1")
    for segment in sorted(copy.glob("*.ts")):
        original = segment.read_bytes()
        for index in (0, 187, len(original) // 3, len(original) - 1):  # a sync byte, a payload byte, the end
            flipped(segment, index, 0x80)
            report = verify(copy)
            assert not report.ok and segment.name in report.problems[0], (segment.name, index)
            segment.write_bytes(original)
    assert verify(copy).ok


def test_the_command_exits_1_naming_the_changed_file(recorded, tmp_path, capsys):
    copy = shutil.copytree(recorded, tmp_path / "cam1")
    assert main(["video", "verify", str(copy)]) == 0
    segment = sorted(copy.glob("*.ts"))[-1]
    flipped(segment, segment.stat().st_size // 2)
    assert main(["video", "verify", str(copy)]) == 1
    assert segment.name in capsys.readouterr().err
    shutil.rmtree(copy)
    copy = shutil.copytree(recorded, tmp_path / "cam1")
    last_line_start = copy.joinpath(MANIFEST_NAME).read_bytes().rstrip(b"\n").rfind(b"\n") + 1
    text = copy.joinpath(MANIFEST_NAME).read_bytes()
    flipped(copy / MANIFEST_NAME, text.index(b'"end":"', last_line_start) + 10)  # a digit of the last end time
    assert main(["video", "verify", str(copy)]) == 1
    assert HEAD_NAME in capsys.readouterr().err


def test_a_changed_seal_is_caught_and_a_crash_between_line_and_seal_is_healed(recorded, tmp_path):
    copy = shutil.copytree(recorded, tmp_path / "cam1")
    seal = copy / HEAD_NAME
    original = seal.read_bytes()
    flipped(seal, 3)
    assert not verify(copy).ok
    # The writer stopped after a line was fsynced and before its seal was: the seal names the line before.
    lines = (copy / MANIFEST_NAME).read_bytes().splitlines(keepends=True)
    (copy / MANIFEST_NAME).write_bytes(b"".join(lines[:-1]))
    one_behind = ManifestWriter(copy).head
    (copy / MANIFEST_NAME).write_bytes(b"".join(lines))
    seal.write_text(one_behind + "\n")
    assert not verify(copy).ok, "a seal one line behind is reported until the recorder starts again"
    ManifestWriter(copy)  # the recorder starting again re-seals exactly that case
    assert verify(copy).ok and seal.read_bytes() == original
    seal.unlink()
    report = verify(copy)
    assert report.ok and any(HEAD_NAME in note for note in report.notes), "an old folder without a seal still verifies"
