"""Seeding from a local HTTP tile server: estimates, retries, a cut mid-seed, resume; import/export."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maps.datum import Datum
from maps.http_source import HttpSourceConfig, HttpTileSource
from maps.mbtiles import MbtilesStore
from maps.mercator import BBox, count_tiles, iter_tiles
from maps.seeding import (
    TYPICAL_TILE_BYTES,
    RetryPolicy,
    SeedEstimate,
    SeedProgress,
    copy_tiles,
    estimate,
    export_mbtiles,
    import_mbtiles,
    seed,
)
from maps.tile_source import TileError, TileKey
from maps.xyz_folder import XyzFolderSource

AREA = BBox(120.10, 30.22, 120.20, 30.30)  # a corner of Hangzhou
FAST_RETRY = RetryPolicy(max_attempts=3, base_delay_s=0.001, max_delay_s=0.01, give_up_after_tiles=2)


def http_source(server, **changes) -> HttpTileSource:
    config = HttpSourceConfig("local", server.url + "/{z}/{x}/{y}.png", rate_per_s=10_000, burst=100,
                              use_env_proxy=False, timeout_s=5, attribution="© test tiles")
    return HttpTileSource(replace(config, **changes))


def test_estimate_counts_without_fetching(tmp_path: Path, samples) -> None:
    total = count_tiles(AREA, 10, 14)
    assert estimate(AREA, 10, 14) == SeedEstimate(total, 0, total * TYPICAL_TILE_BYTES)
    with MbtilesStore(tmp_path / "out.mbtiles", writable=True) as out:
        first = next(iter_tiles(AREA, 10, 10))
        out.put(*first, samples.png(size=8))
        result = estimate(AREA, 10, 14, out)
        assert result.present == 1 and result.approx_bytes == (total - 1) * len(samples.png(size=8))


def test_retry_policy_backs_off_and_gives_up() -> None:
    policy = RetryPolicy(max_attempts=5, base_delay_s=1, factor=2, max_delay_s=5)
    assert [policy.decide(n) for n in range(1, 6)] == [1, 2, 4, 5, None]
    assert policy.decide(1, retry_after_s=30) == 30
    assert policy.decide(3, retry_after_s=0) == 4


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 10), st.floats(0.01, 5), st.floats(1, 4), st.integers(1, 50), st.none() | st.floats(0, 100))
def test_retry_delays_are_bounded_and_finite(attempts: int, base: float, factor: float, n: int, after) -> None:
    policy = RetryPolicy(max_attempts=attempts, base_delay_s=base, factor=factor, max_delay_s=60)
    delay = policy.decide(n, after)
    assert (delay is None) == (n >= attempts)
    if delay is not None:
        assert 0 <= delay <= max(60, after or 0)


def test_seed_fetches_every_tile_once_and_writes_metadata(tile_server, tmp_path: Path) -> None:
    out_path = tmp_path / "seeded.mbtiles"
    with MbtilesStore(out_path, writable=True) as out:
        result = seed(http_source(tile_server), out, AREA, 10, 13)
        total = count_tiles(AREA, 10, 13)
        assert (result.total, result.fetched, result.failed, result.error) == (total, total, 0, "")
        assert not result.stopped
        assert sorted(out.keys()) == sorted(iter_tiles(AREA, 10, 13))
        assert all(n == 1 for n in tile_server.served.values()) and len(tile_server.served) == total
        key = next(iter_tiles(AREA, 13, 13))
        assert out.get(*key) == tile_server.tile(*key)
        info = out.info()
    assert info["format"] == "png" and info["zooms"] == [10, 11, 12, 13]
    assert info["bounds"] == pytest.approx(list(AREA)) and info["attribution"] == "© test tiles"
    assert info["datum"] == "WGS-84" and info["tile_count"] == total


def test_server_errors_are_retried_with_backoff(tile_server, tmp_path: Path) -> None:
    keys = list(iter_tiles(AREA, 13, 13))
    flaky = "/{}/{}/{}.png".format(*keys[0])
    hopeless = "/{}/{}/{}.png".format(*keys[1])
    tile_server.fail[flaky] = [503, 500]
    tile_server.fail[hopeless] = [503] * 10
    tile_server.missing.add("/{}/{}/{}.png".format(*keys[2]))
    with MbtilesStore(tmp_path / "o.mbtiles", writable=True) as out:
        result = seed(http_source(tile_server), out, AREA, 13, 13, retry=FAST_RETRY)
        assert result.fetched == len(keys) - 2 and result.failed == 1 and result.missing == 1
        assert not result.error
        assert out.has(*keys[0]) and not out.has(*keys[1])
    assert tile_server.requests.count(flaky) == 3 and tile_server.requests.count(hopeless) == 3


def test_a_cut_mid_seed_stops_and_a_rerun_resumes_without_refetching(tile_server, tmp_path: Path) -> None:
    total = count_tiles(AREA, 10, 13)
    tile_server.cut_after = total // 2
    out_path = tmp_path / "resume.mbtiles"
    with MbtilesStore(out_path, writable=True) as out:
        first = seed(http_source(tile_server), out, AREA, 10, 13, retry=FAST_RETRY)
    assert first.stopped and "run again to resume" in first.error
    assert first.fetched == total // 2 and first.failed == FAST_RETRY.give_up_after_tiles
    tile_server.cut_after = None  # the backhaul is back
    with MbtilesStore(out_path, writable=True) as out:
        second = seed(http_source(tile_server), out, AREA, 10, 13, retry=FAST_RETRY)
        assert second.skipped == total // 2 and second.fetched == total - total // 2
        assert not second.stopped and out.count() == total
    assert max(tile_server.served.values()) == 1  # no tile delivered twice


def test_progress_is_reported_from_the_seeding_thread(tile_server, tmp_path: Path) -> None:
    reports: list[tuple[SeedProgress, int]] = []
    with MbtilesStore(tmp_path / "p.mbtiles", writable=True) as out:
        worker = threading.Thread(
            target=seed, name="seeding",
            args=(http_source(tile_server), out, AREA, 10, 12),
            kwargs={"progress": lambda p: reports.append((p, threading.get_ident())), "progress_interval_s": 0},
        )
        worker.start()
        worker.join(30)
    assert not worker.is_alive()
    assert {ident for _, ident in reports} == {worker.ident}
    final = reports[-1][0]
    assert final.done == final.total == count_tiles(AREA, 10, 12) and final.eta_s == 0
    assert [p.done for p, _ in reports] == sorted(p.done for p, _ in reports)
    assert all(p.rate_per_s >= 0 for p, _ in reports)


def test_stop_ends_the_run_early(tile_server, tmp_path: Path) -> None:
    stop = threading.Event()

    def on_progress(p: SeedProgress) -> None:
        if p.done >= 3:
            stop.set()

    with MbtilesStore(tmp_path / "s.mbtiles", writable=True) as out:
        result = seed(http_source(tile_server), out, AREA, 10, 13, progress=on_progress, stop=stop,
                      progress_interval_s=0)
        assert result.stopped and result.fetched == 3 and out.count() == 3


def test_fatal_answers_stop_at_once(tile_server, tmp_path: Path) -> None:
    first = next(iter_tiles(AREA, 10, 10))
    tile_server.custom["/{}/{}/{}.png".format(*first)] = (401, {}, b"")
    with MbtilesStore(tmp_path / "f.mbtiles", writable=True) as out:
        result = seed(http_source(tile_server), out, AREA, 10, 12)
    assert result.stopped and "401" in result.error and len(tile_server.requests) == 1


def test_rate_limit_holds_while_seeding(tile_server, tmp_path: Path, clock) -> None:
    config = HttpSourceConfig("local", tile_server.url + "/{z}/{x}/{y}.png", rate_per_s=5, burst=2, use_env_proxy=False)
    source = HttpTileSource(config, clock=clock, sleep=clock.sleep)
    with MbtilesStore(tmp_path / "r.mbtiles", writable=True) as out:
        result = seed(source, out, AREA, 10, 11, clock=clock)
    assert result.fetched == count_tiles(AREA, 10, 11) == 2 + len(clock.slept)
    assert sum(clock.slept) == pytest.approx((result.fetched - 2) / 5)


def test_seed_from_any_source_and_refuse_mixing_datums(tmp_path: Path, samples) -> None:
    root = tmp_path / "xyz"
    for key in iter_tiles(AREA, 10, 11):
        path = root / str(key.z) / str(key.x) / f"{key.y}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(samples.png(key.x))
    with MbtilesStore(tmp_path / "from-folder.mbtiles", writable=True) as out:
        assert "offers zooms 10-11" in seed(XyzFolderSource(root), out, AREA, 10, 12).error
        result = seed(XyzFolderSource(root, max_zoom=12), out, AREA, 10, 12)
        assert result.fetched == count_tiles(AREA, 10, 11) and result.missing == count_tiles(AREA, 12, 12)
        clash = seed(XyzFolderSource(root, datum=Datum.GCJ02, max_zoom=12), out, AREA, 10, 12)
        assert clash.stopped and "GCJ-02" in clash.error and clash.fetched == 0


@pytest.mark.parametrize("template", ["https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                                      "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"])
def test_servers_that_forbid_bulk_downloads_are_never_seeded(tmp_path: Path, template: str) -> None:
    config = HttpSourceConfig("osm", template, subdomains=("a",) if "{s}" in template else ())
    with MbtilesStore(tmp_path / "osm.mbtiles", writable=True) as out:
        result = seed(HttpTileSource(config), out, AREA, 10, 12)
        assert result.stopped and "forbids bulk downloads" in result.error and out.count() == 0


# -- import and export -------------------------------------------------------------------


def make_store(path: Path, keys: list[TileKey], samples) -> None:
    with MbtilesStore(path, writable=True) as store:
        store.set_metadata({"name": "src", "format": "png", "attribution": "© src", "mcv_datum": "GCJ-02"})
        store.put_many((k, samples.png(k.x)) for k in keys)


def test_export_a_region_to_a_new_file(tmp_path: Path, samples) -> None:
    keys = list(iter_tiles(BBox(119.0, 29.0, 121.0, 31.0), 8, 10))
    make_store(tmp_path / "src.mbtiles", keys, samples)
    with MbtilesStore(tmp_path / "src.mbtiles") as src:
        result = export_mbtiles(src, tmp_path / "part.mbtiles", AREA, 9, 10)
        with pytest.raises(TileError, match="already exists"):
            export_mbtiles(src, tmp_path / "part.mbtiles")
    wanted = set(iter_tiles(AREA, 9, 10))
    assert result.copied == len(wanted)
    with MbtilesStore(tmp_path / "part.mbtiles") as part:
        assert set(part.keys()) == wanted
        info = part.info()
    assert info["bounds"] == pytest.approx(list(AREA)) and info["zooms"] == [9, 10]
    assert info["attribution"] == "© src" and info["datum"] == "GCJ-02"


def test_import_merges_skips_present_and_drops_hostile_tiles(tmp_path: Path, samples) -> None:
    keys = [TileKey(5, x, 3) for x in range(6)]
    make_store(tmp_path / "in.mbtiles", keys, samples)
    with sqlite3.connect(tmp_path / "in.mbtiles") as db:
        db.execute("UPDATE tiles SET tile_data = ? WHERE tile_column = 5", (b"<script>",))
    with MbtilesStore(tmp_path / "lib.mbtiles", writable=True) as library:
        library.put(5, 0, 3, samples.png(99))
        result = import_mbtiles(tmp_path / "in.mbtiles", library)
        assert (result.copied, result.skipped, result.rejected) == (4, 1, 1)
        assert library.get(5, 0, 3) == samples.png(99) and library.get(5, 1, 3) == samples.png(1)
        assert library.metadata()["attribution"] == "© src"
        with MbtilesStore(tmp_path / "in.mbtiles") as src:
            assert copy_tiles(src, library, overwrite=True).copied == 5
        assert library.get(5, 0, 3) == samples.png(0)
