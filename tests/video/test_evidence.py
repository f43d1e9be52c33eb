"""The evidence manifest: a chain that catches changed, removed and reordered segments and lines,
and a verifier that survives any manifest text without leaving its folder."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from video.evidence import (
    GENESIS,
    MANIFEST_NAME,
    ManifestWriter,
    SegmentRecord,
    file_digest,
    line_hash,
    verify,
)


def make_folder(folder: Path, count: int = 3) -> list[str]:
    """``count`` fake segments listed through the writer; returns their names in order."""
    folder.mkdir(parents=True, exist_ok=True)
    writer = ManifestWriter(folder)
    names = []
    for index in range(count):
        name = f"cam_2026112{index}T000000.000000Z.ts"
        (folder / name).write_bytes(bytes([index]) * (1000 + index))
        size, digest = file_digest(folder / name)
        writer.append(SegmentRecord(file=name, stream="cam", start=f"2026-11-2{index}T00:00:00.000Z",
                                    end=f"2026-11-2{index}T00:01:00.000Z", size=size, sha256=digest))
        names.append(name)
    return names


def lines(folder: Path) -> list[bytes]:
    return (folder / MANIFEST_NAME).read_bytes().splitlines()


def test_an_untouched_folder_verifies_and_the_chain_links_every_line(tmp_path):
    names = make_folder(tmp_path)
    report = verify(tmp_path)
    assert report.ok, report.problems
    assert report.segments == 3 and not report.unlisted
    raw = lines(tmp_path)
    entries = [json.loads(line) for line in raw]
    assert [e["file"] for e in entries] == names
    assert entries[0]["prev"] == GENESIS
    assert [e["prev"] for e in entries[1:]] == [line_hash(line) for line in raw[:-1]]
    assert report.head == line_hash(raw[-1])


def test_a_writer_reopened_later_continues_the_chain(tmp_path):
    make_folder(tmp_path, 2)
    writer = ManifestWriter(tmp_path)
    (tmp_path / "late.ts").write_bytes(b"late")
    size, digest = file_digest(tmp_path / "late.ts")
    writer.append(SegmentRecord("late.ts", "cam", "a", "b", size, digest, recovered=True))
    report = verify(tmp_path)
    assert report.ok and report.segments == 3
    assert json.loads(lines(tmp_path)[-1])["recovered"] is True


def test_one_flipped_byte_is_named(tmp_path):
    names = make_folder(tmp_path)
    target = tmp_path / names[1]
    data = bytearray(target.read_bytes())
    data[500] ^= 0x01
    target.write_bytes(bytes(data))
    report = verify(tmp_path)
    assert not report.ok
    assert names[1] in report.problems[0] and "SHA-256" in report.problems[0]


def test_a_removed_segment_and_a_shortened_one_are_named(tmp_path):
    names = make_folder(tmp_path)
    (tmp_path / names[0]).unlink()
    with (tmp_path / names[2]).open("r+b") as segment:
        segment.truncate(10)
    problems = verify(tmp_path).problems
    assert f"{names[0]} is missing" in problems[0]
    assert names[2] in problems[1] and "bytes" in problems[1]


@pytest.mark.parametrize("damage", ["delete", "swap", "edit", "insert"])
def test_a_removed_moved_edited_or_forged_line_breaks_the_chain(tmp_path, damage):
    make_folder(tmp_path)
    raw = lines(tmp_path)
    if damage == "delete":
        del raw[1]
    elif damage == "swap":
        raw[0], raw[1] = raw[1], raw[0]
    elif damage == "edit":
        raw[1] = raw[1].replace(b'"stream":"cam"', b'"stream":"cax"')
    else:
        forged = json.loads(raw[1])
        forged["file"] = "forged.ts"
        raw.insert(2, json.dumps(forged).encode())
    (tmp_path / MANIFEST_NAME).write_bytes(b"\n".join(raw) + b"\n")
    report = verify(tmp_path)
    assert not report.ok
    assert "chain broken" in " ".join(report.problems)


def test_a_cut_off_last_line_and_unlisted_files_are_reported(tmp_path):
    make_folder(tmp_path)
    manifest = tmp_path / MANIFEST_NAME
    manifest.write_bytes(manifest.read_bytes()[:-1])  # power lost before the newline
    (tmp_path / "stray.ts").write_bytes(b"x")
    report = verify(tmp_path)
    assert report.problems == [f"{MANIFEST_NAME} line 3: incomplete (no newline at its end; the write was cut off)"]
    assert report.unlisted == ["stray.ts"]


def test_no_manifest_is_a_problem(tmp_path):
    assert "no manifest" in verify(tmp_path).problems[0]


@pytest.mark.parametrize("name", ["../outside.ts", "/etc/passwd", "a/b.ts", "..", ".", "", "x\x00y.ts", "a\\b.ts"])
def test_file_names_that_leave_the_folder_are_refused_unopened(tmp_path, name):
    folder = tmp_path / "rec"
    make_folder(folder, 1)
    (tmp_path / "outside.ts").write_bytes(b"secret")
    writer = ManifestWriter(folder)
    writer.append(SegmentRecord(file=name, stream="cam", start="a", end="b", size=6,
                                sha256=file_digest(tmp_path / "outside.ts")[1]))
    report = verify(folder)
    assert report.problems == [f"{MANIFEST_NAME} line 2: file name {name!r} is not a plain name inside the folder"]


def test_a_symlink_is_not_evidence(tmp_path):
    names = make_folder(tmp_path / "rec", 1)
    real = tmp_path / "elsewhere.ts"
    os.replace(tmp_path / "rec" / names[0], real)
    (tmp_path / "rec" / names[0]).symlink_to(real)
    assert "not a regular file" in verify(tmp_path / "rec").problems[0]


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=10,
)
_fields = st.fixed_dictionaries({}, optional={
    "v": _json_values | st.just(1), "seq": _json_values | st.integers(0, 3), "file": _json_values | st.text(),
    "stream": _json_values, "start": _json_values, "end": _json_values, "size": _json_values,
    "sha256": _json_values, "prev": _json_values | st.just(GENESIS), "extra": _json_values,
})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.binary(max_size=80) | _fields.map(lambda d: json.dumps(d).encode()), max_size=5),
       st.booleans())
def test_any_manifest_text_gives_a_report_not_an_exception(tmp_path, raw_lines, newline_at_end):
    folder = tmp_path / "hostile"
    folder.mkdir(exist_ok=True)
    text = b"\n".join(raw_lines) + (b"\n" if newline_at_end and raw_lines else b"")
    (folder / MANIFEST_NAME).write_bytes(text)
    report = verify(folder)
    assert report.segments + len(report.problems) >= len(text.splitlines()) - 1
    assert all(isinstance(problem, str) for problem in report.problems)
