"""The one TOML config file: read it, validate every key, hand back frozen dataclasses.

A bad file raises ``ConfigError``, whose message names the file, the line, the key, what
is wrong and how to fix it, in one sentence. Validation is driven by the dataclasses
themselves: each field's type hint and ``metadata`` (allowed values, a check) say what
the key accepts, so adding a key means adding a field. Secrets (passwords, credentials
inside stream URLs) never appear in a repr or an error message; a file holding one must be
private to this user (radios/secret_files.py), and the uplink to HQ must use TLS unless
``allow_plaintext`` says otherwise (docs/security.md).
"""

from __future__ import annotations

import dataclasses
import difflib
import ipaddress
import re
import tomllib
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import platformdirs

from radios.secret_files import check_secret_file, holds_private_key

LINK_TYPES = ("serial", "mqtt", "mavlink", "cot", "modem")
STREAM_KINDS = ("drone", "bodycam", "mast", "fixed")
STREAM_TRANSPORTS = ("tcp", "udp")
STREAM_SCHEMES = ("rtsp", "rtsps", "http", "https", "udp", "srt", "file")
MAP_SOURCE_KINDS = ("mbtiles", "xyz", "http")
DATUMS = ("WGS-84", "GCJ-02")
THEMES = ("night", "day")
RENDERERS = ("frames", "libvlc")
SERVER_PORTS = {"mqtt": 1883, "mqtts": 8883}
MASK = "****"

_TOPIC_LEVEL = re.compile(r"[A-Za-z0-9_-]{1,64}")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def default_config_path() -> Path:
    return platformdirs.user_config_path("mcv") / "mcv.toml"


def default_data_dir() -> Path:
    return platformdirs.user_data_path("mcv")


def mask_url(url: str) -> str:
    """Hide the password in ``scheme://user:password@host/...``; keep everything else."""
    scheme, sep, rest = url.partition("://")
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    userinfo, at, host = authority.rpartition("@")
    if not sep or not at or ":" not in userinfo:
        return url
    user = userinfo.partition(":")[0]
    return f"{scheme}://{user}:{MASK}@{host}{rest[len(authority):]}"


class ConfigError(Exception):
    """A config file a person must fix: where, which key, what is wrong, how to fix it."""

    def __init__(self, path: Path, line: int | None, key: str | None, problem: str, fix: str):
        self.path, self.line, self.key, self.problem, self.fix = path, line, key, problem, fix
        where = [str(path)]
        if line is not None:
            where.append(f"line {line}")
        if key:
            where.append(f"key {key}")
        super().__init__(f"{', '.join(where)}: {problem.rstrip('.')}. Fix: {fix.rstrip('.')}.")


# A check returns None when the value is fine, else (problem, fix).
Check = Callable[[typing.Any], "tuple[str, str] | None"]


def _rule(*, choices: tuple[str, ...] = (), check: Check | None = None) -> dict[str, object]:
    return {"choices": choices, "check": check}


# Metadata of a field the loader fills in, never written in the file.
_NOT_A_KEY = {"toml": False}


def _topic_level(value: str) -> tuple[str, str] | None:
    if _TOPIC_LEVEL.fullmatch(value):
        return None
    return (f"{_show(value)} is not 1 to 64 letters, digits, '-' or '_'",
            "use a short name such as 'mcv-1' (it becomes part of MQTT topics)")


def _not_empty(value: str) -> tuple[str, str] | None:
    return None if value.strip() else ("the value is empty", "fill it in")


def _at_least(minimum: int) -> Check:
    def check(value: int) -> tuple[str, str] | None:
        if value >= minimum:
            return None
        return f"{value} is below {minimum}", f"use a number of at least {minimum}"
    return check


def _mavlink_system_id(value: int) -> tuple[str, str] | None:
    if 1 <= value <= 255:
        return None
    return f"{value} is not a MAVLink system id", "use the drone's system id, 1 to 255 (SYSID_THISMAV)"


def _url_with_scheme(schemes: tuple[str, ...]) -> Check:
    def check(value: str) -> tuple[str, str] | None:
        scheme = value.partition(":")[0].lower() if ":" in value else ""
        if scheme in schemes:
            return None
        return (f"{_show(value)} does not start with {' or '.join(s + '://' for s in schemes)}",
                f"write the url as {schemes[0]}://…")
    return check


def _server_url(value: str) -> tuple[str, str] | None:
    wrong_scheme = _url_with_scheme(tuple(SERVER_PORTS))(value)
    if wrong_scheme:
        return wrong_scheme
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - urlsplit checks the port only when asked
    except ValueError as error:
        return f"{_show(value)} is not a valid url ({error})", "write it as mqtt://host:port"
    if not parts.hostname:
        return f"{_show(value)} has no host name", "write it as mqtt://host:port"
    if parts.username is not None or parts.password is not None:
        return ("the url carries credentials",
                "remove them from the url and set username and password_file instead")
    return None


@dataclass(frozen=True)
class VehicleConfig:
    """Who this vehicle is on the bus."""

    id: str = field(default="mcv-1", metadata=_rule(check=_topic_level))
    name: str = "Command vehicle 1"


@dataclass(frozen=True)
class _ServerConfig:
    """An MQTT server to log in to; the password is read from ``password_file`` at load."""

    url: str | None = field(default=None, metadata=_rule(check=_server_url))
    username: str | None = None
    password_file: Path | None = None
    ca_file: Path | None = None
    password: str | None = field(default=None, repr=False, metadata=_NOT_A_KEY)

    @property
    def host(self) -> str | None:
        return urlsplit(self.url).hostname if self.url else None

    @property
    def port(self) -> int | None:
        if not self.url:
            return None
        parts = urlsplit(self.url)
        return parts.port or SERVER_PORTS[parts.scheme.lower()]

    @property
    def tls(self) -> bool:
        return bool(self.url) and urlsplit(self.url).scheme.lower() == "mqtts"


@dataclass(frozen=True)
class BrokerConfig(_ServerConfig):
    """The local broker on the vehicle; no url means the demo starts one."""


def _percent(value: int) -> tuple[str, str] | None:
    if 1 <= value <= 100:
        return None
    return f"{value} is not a share of the link", "use a percentage from 1 to 100"


@dataclass(frozen=True)
class UplinkConfig(_ServerConfig):
    """The district HQ broker reached over the backhaul; no url means no uplink."""

    # What the backhaul carries, in kbit/s; 0 means unknown, and the outbox drains unthrottled.
    link_kbps: int = field(default=0, metadata=_rule(check=_at_least(0)))
    # Share of link_kbps the outbox may use while it drains, so live traffic still flows.
    drain_share_percent: int = field(default=50, metadata=_rule(check=_percent))
    # Positions kept per unit when a long outage has queued too many.
    positions_kept_per_unit: int = field(default=10, metadata=_rule(check=_at_least(1)))
    # mqtt:// (no TLS) to a host other than loopback is refused unless this is true (a lab only).
    allow_plaintext: bool = False


def _repr_with_masked_urls(self: object) -> str:
    shown = []
    for f in dataclasses.fields(self):
        if not f.repr:
            continue
        value = getattr(self, f.name)
        if f.name.endswith("url") and isinstance(value, str):
            value = mask_url(value)
        shown.append(f"{f.name}={value!r}")
    return f"{type(self).__name__}({', '.join(shown)})"


_FIELD_PATH = re.compile(r"[A-Za-z0-9_@$-]{1,64}(\.[A-Za-z0-9_@$-]{1,64}){0,7}")


def _field_path(value: str) -> tuple[str, str] | None:
    if _FIELD_PATH.fullmatch(value):
        return None
    return (f"{_show(value)} is not a JSON field path",
            "name the field with dots between levels, such as 'gps.latitude' (at most 8 levels)")


def _topic_filter(value: str) -> tuple[str, str] | None:
    levels = value.split("/")
    bad = (not value or len(value) > 256 or "\0" in value or "#" in levels[:-1]
           or any(("+" in level or "#" in level) and level not in ("+", "#") for level in levels))
    if not bad:
        return None
    return (f"{_show(value)} is not an MQTT topic filter",
            "write it like 'acme/+/gps': '+' stands for one whole level, '#' only at the end")


@dataclass(frozen=True)
class DeviceMappingConfig:
    """How one kind of field device's own topic and JSON map onto a position (docs/devices.md)."""

    id: str = field(metadata=_rule(check=_topic_level))
    topic: str = field(metadata=_rule(check=_topic_filter))
    lat: str = field(default="lat", metadata=_rule(check=_field_path))
    lon: str = field(default="lon", metadata=_rule(check=_field_path))
    # The device's id: a field path, or None for the topic level matched by the first '+'.
    device: str | None = field(default=None, metadata=_rule(check=_field_path))
    alt: str | None = field(default=None, metadata=_rule(check=_field_path))
    heading: str | None = field(default=None, metadata=_rule(check=_field_path))
    speed: str | None = field(default=None, metadata=_rule(check=_field_path))
    battery: str | None = field(default=None, metadata=_rule(check=_field_path))
    ts: str | None = field(default=None, metadata=_rule(check=_field_path))
    callsign: str | None = field(default=None, metadata=_rule(check=_field_path))


@dataclass(frozen=True, repr=False)
class LinkConfig:
    """One link the gateway owns (a serial radio, a drone, a TAK feed, a modem...)."""

    id: str = field(metadata=_rule(check=_topic_level))
    type: str = field(metadata=_rule(choices=LINK_TYPES))
    url: str = field(metadata=_rule(check=_not_empty))
    profile: str | None = None
    enabled: bool = True
    unit: str | None = None
    baud: int = field(default=9600, metadata=_rule(check=_at_least(1)))
    # MQTT field devices (type "mqtt"): a broker login like [broker], and their own formats.
    username: str | None = None
    password_file: Path | None = None
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    mapping: tuple[DeviceMappingConfig, ...] = ()
    # A TAK server over TLS (type "cot", tls://): ca_file, cert_file and key_file as above, and
    # the key's passphrase from this file when the key is encrypted (docs/tak.md).
    key_password_file: Path | None = None
    password: str | None = field(default=None, repr=False, metadata=_NOT_A_KEY)
    key_password: str | None = field(default=None, repr=False, metadata=_NOT_A_KEY)

    __repr__ = _repr_with_masked_urls


@dataclass(frozen=True, repr=False)
class StreamConfig:
    """One video stream in the catalogue; its urls may carry camera credentials."""

    id: str = field(metadata=_rule(check=_topic_level))
    name: str
    kind: str = field(metadata=_rule(choices=STREAM_KINDS))
    url: str = field(metadata=_rule(check=_url_with_scheme(STREAM_SCHEMES)))
    sub_url: str | None = field(default=None, metadata=_rule(check=_url_with_scheme(STREAM_SCHEMES)))
    transport: str = field(default="tcp", metadata=_rule(choices=STREAM_TRANSPORTS))
    latency_ms: int = field(default=200, metadata=_rule(check=_at_least(0)))
    # The MAVLink system id of the drone carrying this camera: its video when it announces none.
    sysid: int | None = field(default=None, metadata=_rule(check=_mavlink_system_id))
    # Whether the gateway records this stream as evidence (video/recording_service.py).
    record: bool = False

    __repr__ = _repr_with_masked_urls


@dataclass(frozen=True)
class MapSourceConfig:
    """One tile source: an MBTiles file, an XYZ folder or an HTTP tile server."""

    id: str
    kind: str = field(metadata=_rule(choices=MAP_SOURCE_KINDS))
    path: Path | None = None
    url: str | None = field(default=None, metadata=_rule(check=_url_with_scheme(("http", "https"))))
    datum: str = field(default="WGS-84", metadata=_rule(choices=DATUMS))
    attribution: str = ""


@dataclass(frozen=True)
class OverlayConfig:
    """One overlay file (GeoJSON, KML or GPX) drawn over the map; its keep_out/keep_in polygons are geofences."""

    id: str = field(metadata=_rule(check=_topic_level))
    path: Path
    name: str = ""


DISPATCH_SCHEMES = ("srt", "rtmp", "rtmps")


@dataclass(frozen=True)
class DispatchConfig:
    """Video sent to district HQ's media server (docs/video_dispatch.md); no url means no dispatch."""

    # Per stream; {vehicle} and {stream} are filled in, {password} takes password_file's text (an RTMP key).
    url: str | None = field(default=None, metadata=_rule(check=_url_with_scheme(DISPATCH_SCHEMES)))
    # SRT: the passphrase (10 to 79 characters); RTMP: what {password} in the url stands for.
    password_file: Path | None = None
    stream_kbps: int = field(default=2500, metadata=_rule(check=_at_least(50)))  # at most, per stream
    total_kbps: int = field(default=4000, metadata=_rule(check=_at_least(50)))  # at most, all streams together
    # Share of [uplink] link_kbps left for the outbox and live telemetry.
    headroom_percent: int = field(default=30, metadata=_rule(check=_percent))
    password: str | None = field(default=None, repr=False, metadata=_NOT_A_KEY)

    __repr__ = _repr_with_masked_urls


@dataclass(frozen=True)
class MapConfig:
    sources: tuple[MapSourceConfig, ...] = ()
    overlays: tuple[OverlayConfig, ...] = ()


@dataclass(frozen=True)
class StoreConfig:
    """Where the gateway's SQLite store lives; None means the platform's data folder."""

    path: Path | None = None


@dataclass(frozen=True)
class ConsoleConfig:
    stale_after_s: int = field(default=120, metadata=_rule(check=_at_least(1)))
    theme: str = field(default="night", metadata=_rule(choices=THEMES))


@dataclass(frozen=True)
class VideoConfig:
    """How this console shows video: ``frames`` paints the ingest's decoded frames, ``libvlc``
    has libvlc decode and draw them (fed by the same ingest)."""

    renderer: str = field(default="frames", metadata=_rule(choices=RENDERERS))


@dataclass(frozen=True)
class Config:
    """The whole validated file; ``path`` is None for built-in defaults."""

    path: Path | None = field(default=None, metadata=_NOT_A_KEY)
    vehicle: VehicleConfig = field(default_factory=VehicleConfig)
    broker: BrokerConfig = field(default_factory=BrokerConfig)
    links: tuple[LinkConfig, ...] = ()
    streams: tuple[StreamConfig, ...] = ()
    map: MapConfig = field(default_factory=MapConfig)
    uplink: UplinkConfig = field(default_factory=UplinkConfig)
    dispatch: DispatchConfig = field(default_factory=DispatchConfig)
    store: StoreConfig = field(default_factory=StoreConfig)
    console: ConsoleConfig = field(default_factory=ConsoleConfig)
    video: VideoConfig = field(default_factory=VideoConfig)

    @classmethod
    def defaults(cls) -> Config:
        return cls()

    @property
    def store_path(self) -> Path:
        return self.store.path or default_data_dir() / "mcv.sqlite3"


def load_config(path: Path | None = None, *, must_exist: bool = True) -> Config:
    """Read and validate the config file; raise ``ConfigError`` for anything wrong with it.

    With no ``path`` the platform's config file is used; if it is missing and
    ``must_exist`` is False, the built-in defaults are returned instead.
    """
    if path is None:
        path = default_config_path()
        if not must_exist and not path.exists():
            return Config.defaults()
    path = Path(path).expanduser().absolute()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(path, None, None, "the config file does not exist",
                          "create it from resources/mcv.example.toml or give the right path") from None
    except OSError as error:
        raise ConfigError(path, None, None, f"the config file cannot be read ({error.strerror})",
                          "check that it is a file and that this user may read it") from None
    return _ConfigReader(path, raw).read()


class _ConfigReader:
    """Turns one file's bytes into a ``Config``; every problem becomes a ``ConfigError``."""

    def __init__(self, path: Path, raw: bytes):
        self.path, self.raw, self.text = path, raw, ""

    def read(self) -> Config:
        document = self._parse()
        config = self._build(Config, document, "")
        return dataclasses.replace(config, path=self.path)

    def fail(self, key: str | None, problem: str, fix: str, line: int | None = None) -> typing.NoReturn:
        if line is None and key:
            line = _find_line(self.text, key)
        raise ConfigError(self.path, line, key, problem, fix)

    def _parse(self) -> dict[str, typing.Any]:
        try:
            self.text = self.raw.decode("utf-8-sig")  # Windows editors may add a BOM
        except UnicodeDecodeError as error:
            self.fail(None, "the file is not UTF-8 text", "save it as UTF-8",
                      line=self.raw.count(b"\n", 0, error.start) + 1)
        try:
            return tomllib.loads(self.text)
        except ValueError as error:  # tomllib.TOMLDecodeError and its causes
            message = str(error)
            found = re.search(r"\s*\(at line (\d+), column \d+\)", message)
            problem = message[: found.start()] if found else message
            self.fail(None, f"this is not valid TOML ({problem})",
                      "correct the syntax on that line (see resources/mcv.example.toml)",
                      line=int(found.group(1)) if found else None)
        except RecursionError:
            self.fail(None, "the TOML is nested too deeply", "flatten the nested arrays or tables")

    def _build(self, cls: type, table: object, key: str) -> typing.Any:
        """One dataclass from one TOML table, checking keys, types and rules field by field."""
        if not isinstance(table, dict):
            self.fail(key, f"expected a table, got {_describe(table)}",
                      f"write it as a {_section(key)} section")
        fields = {f.name: f for f in dataclasses.fields(cls) if f.metadata.get("toml", True)}
        for name in table:
            if name not in fields:
                self._fail_unknown(_join(key, name), name, fields)
        hints = typing.get_type_hints(cls)
        values = {}
        for name, f in fields.items():
            where = _join(key, name)
            if name in table:
                values[name] = self._value(hints[name], table[name], where, f.metadata)
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                self.fail(where, f"the required key '{name}' is missing",
                          f"add {name} = … to this {_section(key)} section")
        built = cls(**values)
        if isinstance(built, _ServerConfig):
            built = self._with_password(built, key)
        if isinstance(built, UplinkConfig):
            self._check_uplink_encrypted(built, key)
        if isinstance(built, LinkConfig) and mask_url(built.url) != built.url:
            # Link details (on every seat, in the store) show the url; no link type takes a password in it.
            self.fail(_join(key, "url"), "the url carries a password",
                      "remove user:password@ from it; an MQTT link logs in with username and password_file")
        if isinstance(built, LinkConfig) and built.type == "mqtt":
            built = self._mqtt_link(built, key)
        if isinstance(built, LinkConfig) and built.type == "cot":
            built = self._cot_link(built, key)
        if isinstance(built, DeviceMappingConfig) and built.device is None and "+" not in built.topic.split("/"):
            self.fail(_join(key, "topic"), f"{_show(built.topic)} has no '+' level for the device id",
                      "put '+' where the device id stands in the topic, or set device = 'field.path'")
        if isinstance(built, DispatchConfig) and built.password_file is not None:
            secret = self._secret(built.password_file, _join(key, "password_file"))
            built = dataclasses.replace(built, password=secret.decode("utf-8", "replace").strip() or None)
        if isinstance(built, MapSourceConfig):
            self._check_map_source(built, key)
        if isinstance(built, OverlayConfig) and not built.path.is_file():
            self.fail(_join(key, "path"), f"the overlay file {built.path} does not exist",
                      "correct the path (relative paths start at the config file's folder)")
        return built

    def _fail_unknown(self, where: str, name: str, fields: dict) -> typing.NoReturn:
        close = difflib.get_close_matches(name, list(fields), n=1)
        if close:
            fix = f"correct it to '{close[0]}' or remove it"
        else:
            fix = f"remove it; known keys are {', '.join(fields)}"
        self.fail(where, f"'{name}' is not a known key", fix)

    def _value(self, hint: object, value: object, key: str, rules: typing.Mapping) -> typing.Any:
        """Check one value against its type hint and field rules; convert paths and tuples."""
        options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
        target = next(t for t in options if t is not type(None))
        if dataclasses.is_dataclass(target):
            return self._build(target, value, key)
        if typing.get_origin(target) is tuple:
            return self._tuple(typing.get_args(target)[0], value, key)
        expected = {str: "a string", int: "an integer", bool: "true or false", Path: "a file path string"}
        python_type = str if target is Path else target
        if not isinstance(value, python_type) or (python_type is int and isinstance(value, bool)):
            self.fail(key, f"expected {expected[target]}, got {_describe(value)}",
                      f"write {key.rpartition('.')[2]} as {expected[target]}")
        if rules.get("choices") and value not in rules["choices"]:
            self.fail(key, f"{_show(value)} is not one of {', '.join(rules['choices'])}",
                      "use one of those values")
        problem = rules.get("check") and rules["check"](value)
        if problem:
            self.fail(key, *problem)
        if target is Path:
            try:
                return self.path.parent / Path(value).expanduser()
            except RuntimeError:  # "~someone" for a user that does not exist
                self.fail(key, f"{_show(value)} names an unknown home folder", "write the full path")
        return value

    def _tuple(self, item_cls: type, value: object, key: str) -> tuple:
        """A ``[[key]]`` array of tables; ids must be unique within it."""
        if not isinstance(value, list):
            self.fail(key, f"expected a list of tables, got {_describe(value)}",
                      f"write each entry as a [[{key}]] section")
        items = tuple(self._build(item_cls, item, f"{key}[{i}]") for i, item in enumerate(value))
        first_use: dict[str, int] = {}
        for i, item in enumerate(items):
            if item.id in first_use:
                self.fail(f"{key}[{i}].id",
                          f"id {_show(item.id)} is already used by {key}[{first_use[item.id]}]",
                          "give each entry its own id")
            first_use[item.id] = i
        return items

    def _with_password(self, server: _ServerConfig, key: str) -> _ServerConfig:
        if server.ca_file is not None:
            self._readable(server.ca_file, _join(key, "ca_file"))
        if server.password_file is None:
            return server
        where = _join(key, "password_file")
        if server.username is None:
            self.fail(where, "a password_file is set but no username",
                      f"add username = … to the {_section(key)} section")
        try:
            password = self._secret(server.password_file, where).decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            self.fail(where, f"the password file {server.password_file} is not UTF-8 text",
                      "write the password as plain text")
        if not password:
            self.fail(where, f"the password file {server.password_file} is empty",
                      "write the password into it on one line")
        return dataclasses.replace(server, password=password)

    def _mqtt_link(self, link: LinkConfig, key: str) -> LinkConfig:
        """An MQTT field-device link: a server url, readable certificates, the password read."""
        problem = _server_url(link.url)
        if problem:
            self.fail(_join(key, "url"), *problem)
        self._check_key_files(link, key)
        return self._with_password(link, key)

    def _cot_link(self, link: LinkConfig, key: str) -> LinkConfig:
        """A CoT link: its TLS files readable, the key's passphrase read (only tls:// uses them)."""
        if link.ca_file is not None:
            self._readable(link.ca_file, _join(key, "ca_file"))
        self._check_key_files(link, key)
        if link.key_password_file is None:
            return link
        where = _join(key, "key_password_file")
        try:
            secret = self._secret(link.key_password_file, where).decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            self.fail(where, f"the passphrase file {link.key_password_file} is not UTF-8 text",
                      "write the key's passphrase as plain text")
        if not secret:
            self.fail(where, f"the passphrase file {link.key_password_file} is empty",
                      "write the key's passphrase into it on one line")
        return dataclasses.replace(link, key_password=secret)

    def _check_uplink_encrypted(self, uplink: UplinkConfig, key: str) -> None:
        """Refuse an uplink that would carry reports and the HQ login in clear text over the backhaul."""
        if not uplink.url or uplink.tls or uplink.allow_plaintext or _is_loopback(uplink.host):
            return
        host = f"[{uplink.host}]" if ":" in uplink.host else uplink.host
        self.fail(_join(key, "url"),
                  f"{_show(uplink.url)} would send the vehicle's reports and the HQ login unencrypted over the backhaul",
                  f"use mqtts://{host}:8883 (TLS, HQ checked against ca_file or the system CAs), "
                  "or for a lab only add allow_plaintext = true to [uplink]")

    def _check_key_files(self, link: LinkConfig, key: str) -> None:
        """A link's client certificate readable, and its private key (in key_file, or in cert_file) private."""
        if link.key_file is not None:
            self._secret(link.key_file, _join(key, "key_file"))
        if link.cert_file is not None:
            where = _join(key, "cert_file")
            if holds_private_key(self._readable(link.cert_file, where)):
                self._secret(link.cert_file, where)

    def _secret(self, path: Path, key: str) -> bytes:
        """A credential file's bytes, once it is known that no other user may read it."""
        data = self._readable(path, key)
        problem = check_secret_file(path)
        if problem:
            self.fail(key, *problem)
        return data

    def _readable(self, path: Path, key: str) -> bytes:
        try:
            return path.read_bytes()
        except FileNotFoundError:
            self.fail(key, f"the file {path} does not exist", "create it or correct the path")
        except OSError as error:
            self.fail(key, f"the file {path} cannot be read ({error.strerror})",
                      "make it a regular file this user may read")
        except ValueError:  # a NUL in the path
            self.fail(key, f"the path {_show(str(path))} is not a valid file name", "correct the path")

    def _check_map_source(self, source: MapSourceConfig, key: str) -> None:
        needed = "url" if source.kind == "http" else "path"
        if getattr(source, needed) is None:
            self.fail(key, f"a map source of kind '{source.kind}' needs a {needed}",
                      f"add {needed} = … to this {_section(key)} section")


def _is_loopback(host: str | None) -> bool:
    """``localhost`` or a loopback address: traffic that never leaves this machine."""
    if host is None:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _join(prefix: str, name: str) -> str:
    part = name if _BARE_KEY.fullmatch(name) else repr(name)
    return f"{prefix}.{part}" if prefix else part


def _section(key: str) -> str:
    """How a person writes the table at ``key``: ``links[2]`` -> ``[[links]]``."""
    indexed = _INDEXED_KEY.fullmatch(key)
    return f"[[{indexed.group(1)}]]" if indexed and not indexed.group(3) else f"[{key}]"


def _show(value: object) -> str:
    """A value quoted for a message, shortened, with any url password masked."""
    text = repr(mask_url(value) if isinstance(value, str) else value)
    return text if len(text) <= 60 else text[:57] + "…"


def _describe(value: object) -> str:
    """What a TOML value is, for "expected X, got Y": ``a string 'abc'``."""
    if isinstance(value, bool):
        return f"a boolean {str(value).lower()}"
    if isinstance(value, (list, dict)):
        return "a list" if isinstance(value, list) else "a table"
    kinds = [(int, "an integer"), (float, "a number"), (str, "a string")]
    kind = next((name for types_, name in kinds if isinstance(value, types_)), "a date/time")
    return f"{kind} {_show(value)}"


_HEADER = re.compile(r"\s*(\[\[?)\s*([\w.\-\s\"']+?)\s*\]\]?\s*(?:#.*)?$")
_INDEXED_KEY = re.compile(r"(.+)\[(\d+)\](?:\.(.+))?")


def _find_line(text: str, key: str) -> int | None:
    """Best-effort line of a dotted key such as ``links[2].type`` or ``broker.url``."""
    indexed = _INDEXED_KEY.fullmatch(key)
    if indexed:
        table, index, leaf = indexed.group(1), int(indexed.group(2)), indexed.group(3)
    else:
        table, _, leaf = key.rpartition(".")
        index = None
    leaf_name = leaf.split(".")[0].strip("'\"") if leaf else None
    lines = text.split("\n")  # TOML's lines, as tomllib counts them
    current: tuple[str, int | None] = ("", None)
    counts: dict[str, int] = {}
    header_line = None
    for number, line in enumerate(lines, 1):
        header = _HEADER.match(line)
        if header:
            name = re.sub(r"[\s\"']", "", header.group(2))
            if header.group(1) == "[[":
                counts[name] = counts.get(name, -1) + 1
                current = (name, counts[name])
            else:
                current = (name, None)
            if current == (table, index) and header_line is None:
                header_line = number
                if leaf_name is None:
                    return number
        elif current == (table, index) and leaf_name and re.match(
                rf"\s*[\"']?{re.escape(leaf_name)}[\"']?\s*[=.]", line):
            return number
    if header_line:
        return header_line
    plain_key = key.replace("'", "").replace('"', "")
    return next((n for n, line in enumerate(lines, 1)
                 if (h := _HEADER.match(line)) and re.sub(r"[\s\"']", "", h.group(2)) == plain_key), None)
