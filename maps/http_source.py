"""Tiles fetched over HTTP from an XYZ/WMTS URL template, written through to an MBTiles cache.

Offline is the normal case: ``get`` answers from the cache first, goes to the network
only for a missing (or, with ``refresh_after_s``, an old) tile, and falls back to the
cache when the network fails. After a network failure it serves only the cache for
``offline_retry_s`` so a map with no backhaul does not wait for a timeout per tile.
Every request, retries included, first takes a token from a ``TokenBucket``, so the
configured rate is never exceeded. The token is a secret: it never appears in a
repr, a log line or an error message.
"""

from __future__ import annotations

import http.client
import logging
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from maps.datum import Datum
from maps.mbtiles import MbtilesStore
from maps.tile_source import MAX_TILE_BYTES, MAX_ZOOM, TileError, TileKey, is_tile_image, tile_key

log = logging.getLogger(__name__)

DEFAULT_USER_AGENT = "mcv-console/0.1 (emergency command vehicle map cache)"
MAX_RETRY_AFTER_S = 3600.0

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_X_NAMES, _Y_NAMES, _Z_NAMES = {"x", "TileCol"}, {"y", "-y", "TileRow"}, {"z", "TileMatrix"}
_KNOWN = _X_NAMES | _Y_NAMES | _Z_NAMES | {"s", "token"}
_SAFE_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_SAFE_SUBDOMAIN = re.compile(r"[A-Za-z0-9-]{1,63}")


@dataclass(frozen=True)
class HttpSourceConfig:
    """Settings of one HTTP tile source, checked when made (``ValueError`` says what is wrong).

    ``url_template`` takes ``{z} {x} {y}`` (``{-y}`` for TMS rows; WMTS ``{TileMatrix}
    {TileCol} {TileRow}``), ``{s}`` for one of ``subdomains`` and ``{token}``.
    """

    source_id: str
    url_template: str
    subdomains: tuple[str, ...] = ()
    token: str = field(default="", repr=False)
    user_agent: str = DEFAULT_USER_AGENT
    rate_per_s: float = 2.0
    burst: int = 4
    timeout_s: float = 10.0
    datum: Datum = Datum.WGS84
    attribution: str = ""
    min_zoom: int = 0
    max_zoom: int = 19
    refresh_after_s: float | None = None  # None: a cached tile is never fetched again
    offline_retry_s: float = 30.0
    use_env_proxy: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "subdomains", tuple(self.subdomains))
        object.__setattr__(self, "datum", Datum(self.datum))
        if not _SAFE_ID.fullmatch(self.source_id):
            raise ValueError(f"tile source id {self.source_id!r} must be 1-64 letters, digits, '_', '.' or '-'")
        parts = urllib.parse.urlsplit(self.url_template)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"tile source {self.source_id}: the URL template must start with http:// or https://")
        names = set(_PLACEHOLDER.findall(self.url_template))
        if unknown := names - _KNOWN:
            raise ValueError(f"tile source {self.source_id}: unknown placeholder(s) {sorted(unknown)} in the URL")
        if not (names & _X_NAMES and names & _Y_NAMES and names & _Z_NAMES):
            raise ValueError(f"tile source {self.source_id}: the URL template needs {{z}}, {{x}} and {{y}}")
        if ("s" in names) != bool(self.subdomains):
            raise ValueError(f"tile source {self.source_id}: {{s}} in the URL template and subdomains go together")
        if not all(isinstance(s, str) and _SAFE_SUBDOMAIN.fullmatch(s) for s in self.subdomains):
            raise ValueError(f"tile source {self.source_id}: subdomains must be plain host labels like 'a' or 't0'")
        if ("token" in names) != bool(self.token):
            raise ValueError(f"tile source {self.source_id}: {{token}} in the URL template and a token go together")
        if not self.user_agent or any(c in self.user_agent for c in "\r\n"):
            raise ValueError(f"tile source {self.source_id}: the user agent must be one non-empty line")
        if not (self.rate_per_s > 0 and self.burst >= 1 and self.timeout_s > 0 and self.offline_retry_s >= 0):
            raise ValueError(f"tile source {self.source_id}: rate_per_s, burst and timeout_s must be positive")
        if not 0 <= self.min_zoom <= self.max_zoom <= MAX_ZOOM:
            raise ValueError(f"tile source {self.source_id}: zooms must satisfy 0 <= min <= max <= {MAX_ZOOM}")

    def url(self, key: TileKey) -> str:
        """The URL of one tile (it contains the token: never log it; see ``redact``)."""
        values = {
            "z": key.z, "TileMatrix": key.z, "x": key.x, "TileCol": key.x, "y": key.y, "TileRow": key.y,
            "-y": (1 << key.z) - 1 - key.y,
            "s": self.subdomains[(key.x + key.y) % len(self.subdomains)] if self.subdomains else "",
            "token": urllib.parse.quote(self.token, safe=""),
        }
        return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), self.url_template)

    def redact(self, text: str) -> str:
        """``text`` with the token (plain or URL-quoted) blotted out."""
        if not self.token:
            return text
        for secret in {self.token, urllib.parse.quote(self.token, safe="")}:
            text = text.replace(secret, "***")
        return text


class TokenBucket:
    """A rate limit: ``rate_per_s`` on average and at most ``burst`` at once, on an injected clock.

    ``reserve`` takes one token and says how long to wait before using it. Tokens may
    go into debt, so callers that wait as told never together exceed the rate.
    """

    def __init__(self, rate_per_s: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        if rate_per_s <= 0 or burst < 1:
            raise ValueError("a token bucket needs a positive rate and a burst of at least 1")
        self._rate = rate_per_s
        self._burst = float(burst)
        self._clock = clock
        self._tokens = float(burst)
        self._last = clock()

    def reserve(self) -> float:
        """Take one token; returns seconds to wait before the request may go (0.0 if at once)."""
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._last) * self._rate)
        self._last = now
        self._tokens -= 1.0
        return 0.0 if self._tokens >= 0 else -self._tokens / self._rate


class FetchStatus(Enum):
    """How one network fetch ended."""

    OK = "ok"  # data holds the tile
    MISSING = "missing"  # the server has no such tile (404, 410, 204)
    RETRY = "retry"  # worth trying again later: network down, 429, 5xx, garbage body
    FATAL = "fatal"  # retrying cannot help: bad token, forbidden, bad request


@dataclass(frozen=True)
class FetchResult:
    """The outcome of one fetch; ``error`` is readable and carries no secret."""

    status: FetchStatus
    data: bytes | None = None
    error: str = ""
    retry_after_s: float | None = None


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects to http and https only (urllib would also follow ftp)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        if urllib.parse.urlsplit(newurl).scheme not in ("http", "https"):
            raise urllib.error.HTTPError(newurl, code, "redirect to a non-HTTP URL refused", headers, fp)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def build_opener(use_env_proxy: bool = True) -> urllib.request.OpenerDirector:
    """A urllib opener that speaks HTTP(S) only; without ``use_env_proxy`` it ignores proxy variables."""
    handlers: list[urllib.request.BaseHandler] = [_HttpOnlyRedirects()]
    if not use_env_proxy:
        handlers.append(urllib.request.ProxyHandler({}))
    return urllib.request.build_opener(*handlers)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header given in seconds; None if absent or not a number."""
    if value is None or not value.strip().isascii() or not value.strip().isdigit():
        return None
    return min(float(value.strip()), MAX_RETRY_AFTER_S)


class HttpTileSource:
    """A ``TileSource`` over HTTP with a write-through MBTiles cache; one worker thread at a time.

    The source owns ``cache`` once given it and closes it in ``close``.
    """

    def __init__(
        self,
        config: HttpSourceConfig,
        cache: MbtilesStore | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        self.config = config
        self.cache = cache
        self._clock = clock
        self._sleep = sleep
        self._bucket = TokenBucket(config.rate_per_s, config.burst, clock)
        self._opener = build_opener(config.use_env_proxy)
        self._offline_until = float("-inf")
        self._online = True
        self._rejected = 0

    id = property(lambda self: self.config.source_id, doc="The configured source id.")
    datum = property(lambda self: self.config.datum, doc="The configured datum of the tiles.")
    attribution = property(lambda self: self.config.attribution, doc="The configured credit line.")
    min_zoom = property(lambda self: self.config.min_zoom, doc="The configured lowest zoom.")
    max_zoom = property(lambda self: self.config.max_zoom, doc="The configured highest zoom.")

    @property
    def online(self) -> bool:
        """False since the last fetch failed on the network, until one succeeds."""
        return self._online

    @property
    def rejected(self) -> int:
        """How many responses were not a tile image (and so neither returned nor cached)."""
        return self._rejected

    def get(self, z: int, x: int, y: int) -> bytes | None:
        """The tile from the cache, else from the network (cached on the way), else None."""
        key = tile_key(z, x, y)
        if not self.config.min_zoom <= key.z <= self.config.max_zoom:
            return None
        cached = self.cache.get(*key) if self.cache else None
        if cached is not None and not self._is_old(key):
            return cached
        if self._clock() < self._offline_until:
            return cached
        result = self.fetch(*key)
        if result.status is not FetchStatus.OK or result.data is None:
            return cached
        if self.cache:
            try:
                self.cache.put(*key, result.data)
            except TileError as exc:
                log.warning("tile source %s: could not cache tile %d/%d/%d: %s", self.id, *key, exc)
        return result.data

    def _is_old(self, key: TileKey) -> bool:
        if self.config.refresh_after_s is None or self.cache is None:
            return False
        age = self.cache.age_s(*key)
        return age is not None and age > self.config.refresh_after_s

    def fetch(self, z: int, x: int, y: int) -> FetchResult:
        """One network request for a tile, after waiting for the rate limit; no cache involved."""
        key = tile_key(z, x, y)
        wait = self._bucket.reserve()
        if wait > 0:
            self._sleep(wait)
        request = urllib.request.Request(
            self.config.url(key),
            headers={"User-Agent": self.config.user_agent, "Accept": "image/png,image/jpeg,image/webp,image/*"},
        )
        where = f"tile source {self.id}: tile {key.z}/{key.x}/{key.y}"
        try:
            with self._opener.open(request, timeout=self.config.timeout_s) as response:
                data = response.read(MAX_TILE_BYTES + 1) if response.status != 204 else b""
        except urllib.error.HTTPError as exc:
            retry_after = parse_retry_after(exc.headers.get("Retry-After") if exc.headers else None)
            exc.close()
            self._note_online()
            if exc.code in (404, 410):
                return FetchResult(FetchStatus.MISSING)
            if exc.code in (408, 425, 429) or exc.code >= 500:
                busy = f"{where}: server busy (HTTP {exc.code})"
                return FetchResult(FetchStatus.RETRY, error=busy, retry_after_s=retry_after)
            return FetchResult(
                FetchStatus.FATAL,
                error=f"{where}: server refused it (HTTP {exc.code}); check the URL template and the token",
            )
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            self._note_offline(self.config.redact(str(reason)))
            return FetchResult(FetchStatus.RETRY, error=f"{where}: network failed ({self.config.redact(str(reason))})")
        self._note_online()
        if not data:
            return FetchResult(FetchStatus.MISSING)
        if not is_tile_image(data):
            self._rejected += 1
            if self._rejected == 1:
                log.warning("%s: the server sent something that is not a tile image; such answers are dropped", where)
            return FetchResult(FetchStatus.RETRY, error=f"{where}: the answer is not a PNG, JPEG or WebP tile")
        return FetchResult(FetchStatus.OK, data=data)

    def _note_offline(self, reason: str) -> None:
        self._offline_until = self._clock() + self.config.offline_retry_s
        if self._online:
            log.warning("tile source %s: network unreachable (%s); serving cached tiles", self.id, reason)
        self._online = False

    def _note_online(self) -> None:
        if not self._online:
            log.info("tile source %s: network back", self.id)
        self._online = True
        self._offline_until = float("-inf")

    def close(self) -> None:
        """Close the cache; the source is not used afterwards."""
        if self.cache is not None:
            self.cache.close()

    def __repr__(self) -> str:
        return f"HttpTileSource({self.config.source_id!r})"
