"""``mcv maps`` run as a person runs it: a subprocess against a local HTTP tile server."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import reap, wait_until

from console.maps_cli import UsageError, format_bytes, format_duration, parse_zoom_range
from maps.mbtiles import MbtilesStore
from maps.mercator import BBox, count_tiles

AREA = "120.10,30.22,120.20,30.30"  # a corner of Hangzhou
ROOT = Path(__file__).resolve().parents[2]


def mcv(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run ``mcv maps ARGS``; output is decoded by hand so the progress line's ``\\r`` survives."""
    result = subprocess.run([sys.executable, "-m", "console", "maps", *map(str, args)], capture_output=True,
                            timeout=timeout, cwd=ROOT)
    return subprocess.CompletedProcess(result.args, result.returncode, result.stdout.decode(),
                                       result.stderr.decode())


def mcv_here(capsys, *args: str) -> subprocess.CompletedProcess:
    """Run ``mcv maps ARGS`` in this process (fast, for the many refusals); argparse's exit is caught."""
    from console.cli import main

    try:
        code = main(["maps", *map(str, args)])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, out, err)


def seed_args(server, out: Path, zoom: str = "10-12", *extra: str) -> list[str]:
    return ["seed", "--url", server.url + "/{z}/{x}/{y}.png", "--bbox", AREA, "--zoom", zoom, "--out", out,
            "--rate", "1000", *extra]


def tiles_in(path: Path) -> int:
    with MbtilesStore(path) as store:
        return store.count()


def assert_clean_error(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert all(word in result.stderr for word in words), result.stderr


def test_seed_estimates_shows_progress_and_a_rerun_fetches_nothing(tmp_path, tile_server, capsys):
    out = tmp_path / "area.mbtiles"
    total = count_tiles(BBox(120.10, 30.22, 120.20, 30.30), 10, 12)
    first = mcv(*seed_args(tile_server, out))
    assert first.returncode == 0, first.stderr
    assert f"seed: {total} tiles at zooms 10-12, 0 already in" in first.stderr
    assert "\r" in first.stderr and f"{total}/{total} tiles (100 %)" in first.stderr and "tiles/s" in first.stderr
    assert tiles_in(out) == total
    again = mcv(*seed_args(tile_server, out))
    assert again.returncode == 0 and f"{total} already in" in again.stderr
    assert max(tile_server.served.values()) == 1 and sum(tile_server.served.values()) == total

    info = json.loads(mcv_here(capsys, "info", out, "--json").stdout)
    assert info["tile_count"] == total and info["zooms"] == [10, 11, 12] and info["format"] == "png"
    text = mcv_here(capsys, "info", out)
    assert text.returncode == 0 and f"tiles        {total}" in text.stdout and "10-12" in text.stdout


def test_a_cut_connection_stops_the_seed_and_a_rerun_resumes_without_fetching_twice(tmp_path, tile_server):
    out = tmp_path / "cut.mbtiles"
    tile_server.cut_after = 5
    cut = mcv(*seed_args(tile_server, out, "10-13", "--attempts", "2", "--retry-delay", "0.01"))
    assert_clean_error(cut, "run again to resume")
    assert tiles_in(out) == 5
    tile_server.cut_after = None
    resumed = mcv(*seed_args(tile_server, out, "10-13"))
    assert resumed.returncode == 0, resumed.stderr
    assert tiles_in(out) == count_tiles(BBox(120.10, 30.22, 120.20, 30.30), 10, 13)
    assert max(tile_server.served.values()) == 1


def test_server_errors_are_retried_and_the_token_stays_secret(tmp_path, tile_server):
    out = tmp_path / "busy.mbtiles"
    tile_server.fail["/10/853/421.png"] = [503, 503]
    token = tmp_path / "token"
    token.write_text("s3cr3t-t0ken\n")
    args = seed_args(tile_server, out, "10", "--retry-delay", "0.01", "--token-file", token)
    args[args.index("--url") + 1] += "?key={token}"
    result = mcv(*args)
    assert result.returncode == 0, result.stderr
    assert tile_server.requests.count("/10/853/421.png?key=s3cr3t-t0ken") == 3 and tiles_in(out) == 1
    assert "s3cr3t" not in result.stderr + result.stdout


def test_ctrl_c_stops_cleanly_and_a_rerun_resumes(tmp_path, tile_server):
    out = tmp_path / "stopped.mbtiles"
    args = seed_args(tile_server, out, "10-13")
    args[args.index("--rate") + 1] = "8"  # 25 tiles take 3 s: slow enough to be interrupted mid-run
    process = subprocess.Popen([sys.executable, "-m", "console", "maps", *map(str, args)], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_until(lambda: sum(tile_server.served.values()) >= 6, 20)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=20)
    finally:
        reap(process)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "run the same command again to resume" in stderr
    held = tiles_in(out)
    assert 6 <= held < count_tiles(BBox(120.10, 30.22, 120.20, 30.30), 10, 13)
    resumed = mcv(*seed_args(tile_server, out, "10-13"))
    assert resumed.returncode == 0 and f"{held} already in" in resumed.stderr
    assert max(tile_server.served.values()) == 1


def test_seed_from_a_configured_source_and_a_dry_run(tmp_path, tile_server, capsys):
    config = tmp_path / "mcv.toml"
    config.write_text('[vehicle]\nid = "t"\n\n[[map.sources]]\nid = "local"\nkind = "http"\n'
                      f'url = "{tile_server.url}/{{z}}/{{x}}/{{y}}.png"\nattribution = "test tiles"\n')
    out = tmp_path / "configured.mbtiles"
    dry = mcv_here(capsys, "seed", "--source", "local", "--config", config, "--bbox", AREA, "--zoom", "10-11", "--out", out,
              "--dry-run")
    assert dry.returncode == 0 and "dry run" in dry.stderr and not out.exists() and not tile_server.requests
    done = mcv("seed", "--source", "local", "--config", config, "--bbox", AREA, "--zoom", "10-11", "--out", out,
               "--rate", "1000")
    assert done.returncode == 0, done.stderr
    assert json.loads(mcv_here(capsys, "info", out, "--json").stdout)["attribution"] == "test tiles"
    assert_clean_error(mcv_here(capsys, "seed", "--source", "nowhere", "--config", config, "--bbox", AREA, "--zoom", "10",
                           "--out", out), "no [[map.sources]] with id 'nowhere'", "local")


def test_export_and_import_through_an_xyz_folder_and_mbtiles(tmp_path, tile_server, capsys):
    seeded = tmp_path / "seeded.mbtiles"
    assert mcv(*seed_args(tile_server, seeded, "10-11")).returncode == 0
    total = tiles_in(seeded)
    folder = tmp_path / "xyz"
    exported = mcv("export", seeded, "--out", folder)
    assert exported.returncode == 0, exported.stderr
    assert len(list(folder.glob("*/*/*.png"))) == total and (folder / "metadata.json").is_file()
    (folder / "10" / "853" / "999.png").write_bytes(b"<html>not a tile</html>")  # hostile file
    outside = tmp_path / "outside.png"
    outside.write_bytes(tile_server.tile(0, 0, 0))
    (folder / "10" / "853" / "998.png").symlink_to(outside)  # a tile that leads out of the folder
    imported = tmp_path / "imported.mbtiles"
    result = mcv("import", folder, "--out", imported)
    assert result.returncode == 0, result.stderr
    assert f"import: {total} tiles copied" in result.stderr and "2 unusable" in result.stderr
    with MbtilesStore(seeded) as a, MbtilesStore(imported) as b:
        assert sorted(a.keys()) == sorted(b.keys()) and all(a.get(*k) == b.get(*k) for k in a.keys())
    copy = tmp_path / "copy.mbtiles"
    assert mcv("export", seeded, "--out", copy, "--zoom", "11").returncode == 0
    assert json.loads(mcv_here(capsys, "info", copy, "--json").stdout)["zooms"] == [11]
    merged = mcv_here(capsys, "import", copy, "--out", imported)
    assert merged.returncode == 0 and f"0 tiles copied into {imported}" in merged.stderr
    assert_clean_error(mcv_here(capsys, "export", seeded, "--out", copy), "already exists")
    assert_clean_error(mcv_here(capsys, "export", seeded, "--out", folder), "not an empty folder")


@pytest.mark.parametrize("args, words", [
    (["seed", "--url", "http://127.0.0.1:9/{z}/{x}/{y}.png", "--bbox", "1,2,3", "--zoom", "10", "--out", "o.mbtiles"],
     ["--bbox", "W,S,E,N"]),
    (["seed", "--url", "http://127.0.0.1:9/{z}/{x}/{y}.png", "--bbox", "121,30,120,31", "--zoom", "10",
      "--out", "o.mbtiles"], ["antimeridian"]),
    (["seed", "--url", "http://127.0.0.1:9/{z}/{x}/{y}.png", "--bbox", AREA, "--zoom", "17-10", "--out", "o.mbtiles"],
     ["--zoom"]),
    (["seed", "--url", "http://127.0.0.1:9/tiles.png", "--bbox", AREA, "--zoom", "10", "--out", "o.mbtiles"],
     ["{z}"]),
    (["seed", "--url", "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "--bbox", AREA, "--zoom", "10",
      "--out", "o.mbtiles"], ["forbids bulk downloads"]),
    (["seed", "--url", "http://127.0.0.1:9/{z}/{x}/{y}.png", "--bbox", "-180,-85,180,85", "--zoom", "0-18",
      "--out", "o.mbtiles"], ["--max-tiles"]),
    (["seed", "--url", "http://127.0.0.1:9/{z}/{x}/{y}.png", "--bbox", AREA, "--zoom", "10", "--out", "o.mbtiles",
      "--rate", "nan"], ["--rate"]),
    (["seed", "--url", "http://127.0.0.1:9/{z}/{x}/{y}.png?k={token}", "--bbox", AREA, "--zoom", "10",
      "--out", "o.mbtiles", "--token-file", "missing"], ["--token-file"]),
    (["info", "missing.mbtiles"], ["does not exist"]),
    (["import", "missing", "--out", "o.mbtiles"], ["does not exist"]),
    (["seed", "--bbox", AREA, "--zoom", "10", "--out", "o.mbtiles"], ["--source", "--url"]),
])
def test_bad_arguments_give_one_clear_line(tmp_path, monkeypatch, capsys, args, words):
    monkeypatch.chdir(tmp_path)
    assert_clean_error(mcv_here(capsys, *args), *words)
    assert not (tmp_path / "o.mbtiles").exists()


def test_damaged_and_foreign_files_are_refused(tmp_path, capsys):
    truncated = tmp_path / "truncated.mbtiles"
    truncated.write_bytes(b"SQLite format 3\x00" + b"\x00" * 50)
    foreign = tmp_path / "foreign.mbtiles"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE things (a)")
    db.close()
    text = tmp_path / "text.mbtiles"
    text.write_text("hello")
    for path in (truncated, foreign, text):
        assert_clean_error(mcv_here(capsys, "info", path), str(path))
        assert_clean_error(mcv_here(capsys, "import", path, "--out", tmp_path / "out.mbtiles"), str(path))
    assert_clean_error(mcv("info", truncated), str(truncated))  # and once as a person runs it
    assert not (tmp_path / "out.mbtiles").exists()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=12))
def test_zoom_ranges_parse_or_fail_with_usage_error(text):
    try:
        low, high = parse_zoom_range(text)
    except UsageError as exc:
        assert "--zoom" in str(exc)
    else:
        assert 0 <= low <= high <= 24


def test_figures_for_people():
    assert format_bytes(999) == "999 B" and format_bytes(1_500_000) == "1.5 MB"
    assert format_duration(None) == "?" and format_duration(75) == "1:15" and format_duration(3725) == "1:02:05"
