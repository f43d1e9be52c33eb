"""HTTP tiles: URL templates, the rate limit, and a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maps.datum import Datum
from maps.http_source import (
    FetchStatus,
    HttpSourceConfig,
    HttpTileSource,
    TokenBucket,
    parse_retry_after,
)
from maps.mbtiles import MbtilesStore
from maps.tile_source import TileKey

SECRET = "s3cr3t/tok+en"


def local_config(server, **changes) -> HttpSourceConfig:
    config = HttpSourceConfig(
        "local", server.url + "/{z}/{x}/{y}.png", rate_per_s=1000, burst=1000, use_env_proxy=False, timeout_s=5
    )
    return replace(config, **changes)


# -- configuration ---------------------------------------------------------------------


def test_url_template_placeholders() -> None:
    config = HttpSourceConfig(
        "tdt", "https://t{s}.example.test/wmts?TILEMATRIX={TileMatrix}&TILEROW={TileRow}&TILECOL={TileCol}&tk={token}",
        subdomains=("0", "1", "2"), token=SECRET, datum=Datum.CGCS2000,
    )
    assert config.url(TileKey(5, 3, 7)) == (
        "https://t1.example.test/wmts?TILEMATRIX=5&TILEROW=7&TILECOL=3&tk=s3cr3t%2Ftok%2Ben"
    )
    tms = HttpSourceConfig("tms", "http://h.test/{z}/{x}/{-y}.png")
    assert tms.url(TileKey(3, 1, 2)) == "http://h.test/3/1/5.png"


def test_token_never_shows(caplog) -> None:
    config = HttpSourceConfig("t", "http://h.test/{z}/{x}/{y}?k={token}", token=SECRET)
    assert SECRET not in repr(config) and SECRET not in repr(HttpTileSource(config))
    url = config.url(TileKey(1, 0, 0))
    assert "***" in config.redact(f"failed: {url}") and "s3cr3t" not in config.redact(url)


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"source_id": "bad id/../"}, "id"),
        ({"url_template": "file:///etc/{z}/{x}/{y}"}, "http"),
        ({"url_template": "ftp://h.test/{z}/{x}/{y}"}, "http"),
        ({"url_template": "http://h.test/{z}/{x}.png"}, "needs"),
        ({"url_template": "http://h.test/{z}/{x}/{y}/{evil}"}, "unknown"),
        ({"url_template": "http://{s}.h.test/{z}/{x}/{y}"}, "subdomains"),
        ({"url_template": "http://{s}.h.test/{z}/{x}/{y}", "subdomains": ("a", "x@evil.test/")}, "subdomains"),
        ({"url_template": "http://h.test/{z}/{x}/{y}?k={token}"}, "token"),
        ({"token": "unused"}, "token"),
        ({"user_agent": "mcv\r\nX-Evil: 1"}, "user agent"),
        ({"rate_per_s": 0}, "positive"),
        ({"burst": 0}, "positive"),
        ({"min_zoom": 5, "max_zoom": 4}, "zooms"),
        ({"datum": "BD-09"}, "BD-09"),
    ],
)
def test_bad_config_is_refused_with_a_reason(changes: dict, complaint: str) -> None:
    base = {"source_id": "osm", "url_template": "http://h.test/{z}/{x}/{y}.png"}
    with pytest.raises(ValueError, match=complaint):
        HttpSourceConfig(**{**base, **changes})


@pytest.mark.parametrize(
    ("header", "seconds"),
    [(None, None), ("5", 5.0), (" 7 ", 7.0), ("-1", None), ("Wed, 21 Oct 2015 07:28:00 GMT", None),
     ("99999", 3600.0), ("٣", None)],
)
def test_retry_after(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header) == seconds


# -- the rate limit --------------------------------------------------------------------


def test_token_bucket_allows_a_burst_then_the_rate(clock) -> None:
    bucket = TokenBucket(rate_per_s=2, burst=3, clock=clock)
    assert [bucket.reserve() for _ in range(3)] == [0, 0, 0]
    assert bucket.reserve() == pytest.approx(0.5)
    assert bucket.reserve() == pytest.approx(1.0)  # queued behind the one before
    clock.advance(10)
    assert [bucket.reserve() for _ in range(3)] == [0, 0, 0]


@settings(max_examples=60, deadline=None)
@given(
    st.floats(0.5, 20), st.integers(1, 5),
    st.lists(st.floats(0, 2, allow_nan=False), min_size=1, max_size=40),
)
def test_waiting_as_told_never_exceeds_the_rate(rate: float, burst: int, gaps: list[float]) -> None:
    now = [0.0]
    bucket = TokenBucket(rate, burst, clock=lambda: now[0])
    sent = []
    for gap in gaps:
        now[0] += gap
        wait = bucket.reserve()
        now[0] += wait  # the caller sleeps as told
        sent.append(now[0])
    for i, start in enumerate(sent):
        for j in range(i, len(sent)):
            window = sent[j] - start
            assert j - i + 1 <= burst + rate * window + 1e-6


def test_fetches_wait_for_the_rate_limit(tile_server, clock) -> None:
    source = HttpTileSource(local_config(tile_server, rate_per_s=4, burst=1), clock=clock, sleep=clock.sleep)
    for x in range(3):
        assert source.fetch(2, x, 0).status is FetchStatus.OK
    assert clock.slept == pytest.approx([0.25, 0.25])


# -- against a real HTTP server ---------------------------------------------------------


def test_get_fetches_caches_and_then_serves_from_the_cache(tile_server, tmp_path: Path) -> None:
    cache = MbtilesStore(tmp_path / "cache.mbtiles", writable=True)
    with_token = local_config(tile_server, url_template=tile_server.url + "/{z}/{x}/{y}.png?key={token}", token=SECRET)
    source = HttpTileSource(with_token, cache)
    try:
        assert source.get(3, 1, 2) == tile_server.tile(3, 1, 2)
        assert source.get(3, 1, 2) == tile_server.tile(3, 1, 2)
        assert tile_server.requests == ["/3/1/2.png?key=s3cr3t%2Ftok%2Ben"]
        assert tile_server.headers[0]["User-Agent"].startswith("mcv-console/")
        assert cache.get(3, 1, 2) == tile_server.tile(3, 1, 2)
    finally:
        source.close()


def test_subdomains_reach_the_server(tile_server) -> None:
    source = HttpTileSource(local_config(tile_server, url_template=tile_server.url + "/{s}/{z}/{x}/{y}.png",
                                         subdomains=("a", "b")))
    assert source.get(2, 1, 0) == tile_server.tile(2, 1, 0)
    assert tile_server.requests == ["/b/2/1/0.png"]


def test_offline_falls_back_to_the_cache_and_stops_trying(tile_server, tmp_path: Path, clock, caplog) -> None:
    cache = MbtilesStore(tmp_path / "cache.mbtiles", writable=True)
    config = local_config(tile_server, refresh_after_s=60, offline_retry_s=30)
    source = HttpTileSource(config, cache, clock=clock, sleep=clock.sleep)
    try:
        assert source.get(4, 2, 3) == tile_server.tile(4, 2, 3)
        tile_server.stop()  # the backhaul drops
        caplog.set_level(logging.WARNING, logger="maps.http_source")
        cache_clock_age = cache.age_s(4, 2, 3)
        assert cache_clock_age is not None and cache_clock_age < 60
        assert source.get(4, 2, 4) is None  # not cached, network down
        assert not source.online
        assert source.get(4, 2, 3) == tile_server.tile(4, 2, 3)
        assert len(caplog.records) == 1 and "serving cached tiles" in caplog.records[0].message
    finally:
        source.close()


def test_old_tiles_are_refetched_when_online(tile_server, tmp_path: Path, clock) -> None:
    cache = MbtilesStore(tmp_path / "cache.mbtiles", writable=True, clock=clock)
    source = HttpTileSource(local_config(tile_server, refresh_after_s=60), cache, clock=clock, sleep=clock.sleep)
    try:
        source.get(1, 0, 0)
        clock.advance(30)
        source.get(1, 0, 0)
        assert len(tile_server.requests) == 1
        clock.advance(31)
        source.get(1, 0, 0)
        assert len(tile_server.requests) == 2
    finally:
        source.close()


def test_offline_source_does_not_wait_on_the_network_for_each_tile(tile_server, clock) -> None:
    source = HttpTileSource(local_config(tile_server, offline_retry_s=30), clock=clock, sleep=clock.sleep)
    tile_server.cut_after = 0
    assert source.get(2, 0, 0) is None and not source.online
    assert source.get(2, 1, 0) is None
    assert len(tile_server.requests) == 1
    clock.advance(31)
    tile_server.cut_after = None
    assert source.get(2, 1, 0) == tile_server.tile(2, 1, 0) and source.online


def test_server_answers_map_to_fetch_outcomes(tile_server) -> None:
    source = HttpTileSource(local_config(tile_server, token=SECRET,
                                         url_template=tile_server.url + "/{z}/{x}/{y}.png?k={token}"))
    tile_server.missing.add("/1/0/0.png")
    tile_server.fail["/1/0/1.png"] = [503]
    tile_server.custom["/1/1/0.png"] = (200, {}, b"<html>captive portal</html>")
    tile_server.custom["/1/1/1.png"] = (403, {}, b"bad key")
    tile_server.custom["/2/0/0.png"] = (302, {"Location": "file:///etc/passwd"}, b"")
    tile_server.custom["/2/0/1.png"] = (204, {}, b"")
    assert source.fetch(1, 0, 0).status is FetchStatus.MISSING
    busy = source.fetch(1, 0, 1)
    assert busy.status is FetchStatus.RETRY and busy.retry_after_s == 0 and "503" in busy.error
    assert source.fetch(1, 0, 1).status is FetchStatus.OK
    assert source.fetch(1, 1, 0).status is FetchStatus.RETRY and source.rejected == 1
    refused = source.fetch(1, 1, 1)
    assert refused.status is FetchStatus.FATAL and "403" in refused.error and "s3cr3t" not in refused.error
    assert source.fetch(2, 0, 0).status is FetchStatus.FATAL
    assert source.fetch(2, 0, 1).status is FetchStatus.MISSING
    assert source.online


def test_get_outside_the_zoom_range_asks_nobody(tile_server) -> None:
    source = HttpTileSource(local_config(tile_server, min_zoom=2, max_zoom=3))
    assert source.get(1, 0, 0) is None and source.get(4, 0, 0) is None
    assert tile_server.requests == []


def test_garbage_is_not_cached(tile_server, tmp_path: Path) -> None:
    cache = MbtilesStore(tmp_path / "cache.mbtiles", writable=True)
    source = HttpTileSource(local_config(tile_server), cache)
    tile_server.custom["/1/1/0.png"] = (200, {}, b"\x89PNG but cut")
    try:
        assert source.get(1, 1, 0) is None and cache.count() == 0
    finally:
        source.close()
