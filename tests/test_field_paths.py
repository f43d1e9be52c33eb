"""Names from the field never lead out of the data folder.

A stream id, a unit id or a link name arrives on the bus or from a device and becomes part of
a path in four places: recordings (``<data>/recordings/<stream>/<stream>_<utc>.ts``),
snapshots (``<data>/snapshots/<stream>_<utc>.png``), traffic captures
(``<data>/traffic/<link>-<time>.txt``) and the file names an evidence manifest lists. Each is
fed hostile names here: ``..`` and absolute paths, NUL, very long names, look-alike Unicode
(fullwidth dots and slashes, right-to-left override), percent-encoding and Windows device
names. Every path must stay directly inside its folder; a name that cannot be used is refused,
never followed.
"""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.traffic_format import capture_path, save_capture
from video.evidence import ManifestWriter, SegmentRecord, verify
from video.file_names import WINDOWS_DEVICES, file_inside, safe_stem, timestamped_file
from video.recorder import RecorderSettings, StreamRecorder
from video.snapshot import snapshot_path

HOSTILE = [
    "..", ".", "", "/", "../../etc/passwd", "/etc/passwd", "a/../../b", "x\x00y", "\x00", "..\\..\\windows",
    "C:\\Windows\\system32", "\\\\server\\share", "~", "~root/.ssh", "$HOME", "%2e%2e%2f%2e%2e%2f", "....//....//",
    "\uff0e\uff0e\uff0fetc", "\u2024\u2024/x", "cam\u202egpj.exe", "\u200b", "\ufeff..", "a\nb", "a\rb", " ..",
    ".. ", "-rf", "--help", "CON", "con", "NUL.txt", "aux.ts", "COM1", "lpt9.log", "prn.", "CONIN$",
    "x" * 300, "é" * 200, "../" * 100, "cam.", "cam...", ".hidden",
]
field_names = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=400),
                        st.lists(st.sampled_from(["..", "/", "\\", "\x00", ".", "CON", "a", "\uff0f", "%2f"]),
                                 max_size=12).map("".join))
WHEN = datetime(2026, 11, 29, 10, 55, 12, 123456, tzinfo=UTC)


def directly_inside(path: Path, folder: Path) -> bool:
    """``path`` names an entry of ``folder`` itself, also once both are resolved."""
    return path.parent == folder and path.resolve().parent == folder.resolve() and path.name not in ("", ".", "..")


def windows_safe(name: str) -> bool:
    return name.partition(".")[0].upper() not in WINDOWS_DEVICES and not name.endswith((".", " "))


@given(field_names)
def test_a_recording_s_file_and_folder_stay_in_the_recordings_folder(name):
    root = Path("/srv/mcv/recordings")
    stem = safe_stem(name)
    folder = root / stem
    assert directly_inside(folder, root) and stem.isascii() and not stem.startswith(".")
    assert windows_safe(stem), stem
    segment = timestamped_file(folder, name, ".ts", WHEN)
    assert directly_inside(segment, folder) and len(segment.name.encode()) <= 255 and windows_safe(segment.name)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field_names)
def test_snapshots_and_traffic_captures_are_written_inside_the_data_folder(tmp_path, name):
    with tempfile.TemporaryDirectory(dir=tmp_path) as scratch:
        data = Path(scratch) / "data"
        data.mkdir()
        shot = snapshot_path(data, name, WHEN)
        assert directly_inside(shot, data / "snapshots")
        saved = save_capture(data, name, ["> 24 47 50"], WHEN)
        assert directly_inside(saved, (data / "traffic").resolve())
        assert directly_inside(capture_path(data, name, WHEN), (data / "traffic").resolve())
        written = [Path(root) / f for root, _, files in os.walk(scratch) for f in files]
        assert written == [saved] and all(data in p.parents for p in written)


@given(field_names)
def test_a_manifest_s_file_name_is_used_only_when_it_is_a_plain_name(name):
    folder = Path("/srv/mcv/recordings/cam")
    try:
        path = file_inside(folder, name)
    except ValueError:
        return
    assert directly_inside(path, folder)


@pytest.mark.parametrize("name", [n for n in HOSTILE if n])
def test_a_hostile_id_records_into_its_own_folder_and_nowhere_else(tmp_path, name):
    root = tmp_path / "data" / "recordings"
    recorder = StreamRecorder(name, RecorderSettings(folder=root))
    recorder.start()
    assert recorder.stop()
    assert directly_inside(recorder.folder, root)
    outside = [p for p in tmp_path.rglob("*") if root not in (p, *p.parents) and p not in (root.parent, root)]
    assert outside == []


def test_a_manifest_naming_files_outside_its_folder_opens_none_of_them(tmp_path):
    folder = tmp_path / "recordings" / "cam"
    folder.mkdir(parents=True)
    bait = tmp_path / "recordings" / "secret.ts"
    bait.write_bytes(b"outside")
    writer = ManifestWriter(folder)
    for name in ("../secret.ts", str(bait), "..\\secret.ts", "\uff0e\uff0e\uff0fsecret.ts"):
        writer.append(SegmentRecord(name, "cam", "a", "b", 7, "0" * 64))
    report = verify(folder)
    assert not report.ok
    assert all("not a plain name" in p or "missing" in p for p in report.problems), report.problems
    assert not any("SHA-256" in p or "bytes" in p for p in report.problems), "a file outside was opened"


@pytest.mark.parametrize("stream", ["cam&mode=listener&passphrase=0123456789", "x?streamid=publish:other/y",
                                    "{password}", "a b#c", "cam=1"])
def test_a_stream_id_from_the_field_adds_nothing_to_the_dispatch_url(stream):
    from radios.config import DispatchConfig
    from video.dispatch_target import DispatchTarget

    secret = "the-srt-passphrase"
    target = DispatchTarget.for_stream(DispatchConfig(url="srt://hq:9000?streamid=publish:{vehicle}/{stream}",
                                                      password=secret), "mcv-1", stream)
    query = target.url.partition("?")[2]
    assert [part.partition("=")[0] for part in query.split("&")] == ["streamid", "mode"], target.url
    assert secret not in target.url and secret not in target.shown_url
    assert target.url.endswith("&mode=caller")
