"""``mcv video verify`` and ``mcv video snapshot``: exit codes and messages, against real files
and a real RTSP camera."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from console.cli import main
from video.evidence import MANIFEST_NAME, ManifestWriter, SegmentRecord, file_digest
from video.fake_camera_server import FakeCameraServer


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stream_folder(folder: Path, count: int = 2) -> list[Path]:
    folder.mkdir(parents=True)
    writer = ManifestWriter(folder)
    paths = []
    for index in range(count):
        path = folder / f"cam_{index}.ts"
        path.write_bytes(b"\x47" * 188 * (index + 1))
        size, digest = file_digest(path)
        writer.append(SegmentRecord(path.name, "cam", "2026-11-29T00:00:00.000Z", "2026-11-29T00:01:00.000Z",
                                    size, digest))
        paths.append(path)
    return paths


def test_verify_exits_0_for_an_intact_folder(tmp_path, capsys):
    stream_folder(tmp_path / "cam")
    assert main(["video", "verify", str(tmp_path / "cam")]) == 0
    assert "intact, 2 segments" in capsys.readouterr().out


def test_verify_checks_every_stream_folder_under_the_recordings_folder(tmp_path, capsys):
    stream_folder(tmp_path / "cam")
    damaged = stream_folder(tmp_path / "drone")
    damaged[0].write_bytes(damaged[0].read_bytes()[:-1] + b"\x00")
    assert main(["video", "verify", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert "cam: intact" in captured.out
    assert f"FAILED: {MANIFEST_NAME} line 1: {damaged[0].name}" in captured.err


def test_verify_exits_1_naming_a_broken_chain(tmp_path, capsys):
    stream_folder(tmp_path / "cam", count=3)
    manifest = tmp_path / "cam" / MANIFEST_NAME
    kept = manifest.read_bytes().splitlines(keepends=True)
    manifest.write_bytes(kept[0] + kept[2])
    assert main(["video", "verify", str(tmp_path / "cam")]) == 1
    assert "line 2: chain broken" in capsys.readouterr().err


def test_verify_without_a_manifest_or_folder(tmp_path, capsys):
    assert main(["video", "verify", str(tmp_path)]) == 1
    assert "holds no manifest.jsonl" in capsys.readouterr().err
    assert main(["video", "verify", str(tmp_path / "absent")]) == 2
    assert "is not a folder" in capsys.readouterr().err


@pytest.fixture
def camera():
    server = FakeCameraServer(free_port(), ("cam1",))
    server.start()
    yield server
    server.stop()


def test_snapshot_saves_a_decoded_frame_as_png(camera, tmp_path, capsys):
    out = tmp_path / "shot.png"
    assert main(["video", "snapshot", "--url", camera.url(), "--out", str(out)]) == 0
    image = QImage(str(out))
    assert (image.width(), image.height()) == (640, 360)
    assert str(out) in capsys.readouterr().out


def test_snapshot_of_an_unreachable_camera_exits_1_without_the_password(tmp_path, capsys):
    url = f"rtsp://admin:s3cret@127.0.0.1:{free_port()}/cam1"
    assert main(["video", "snapshot", "--url", url, "--out", str(tmp_path / "x.png"), "--timeout", "2"]) == 1
    err = capsys.readouterr().err
    assert "no picture from rtsp://admin:****@127.0.0.1" in err and "s3cret" not in err
    assert not (tmp_path / "x.png").exists()


def test_snapshot_into_a_missing_folder_exits_2(tmp_path, capsys):
    assert main(["video", "snapshot", "--url", "rtsp://127.0.0.1/x", "--out", str(tmp_path / "no" / "x.png")]) == 2
    assert "does not exist" in capsys.readouterr().err
