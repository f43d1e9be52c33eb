"""The config file: the example loads, every broken file gets one clear ConfigError."""

import dataclasses
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from radios import config
from radios.config import (
    BrokerConfig,
    Config,
    ConfigError,
    StreamConfig,
    UplinkConfig,
    load_config,
    mask_url,
)

EXAMPLE = Path(__file__).parents[2] / "resources" / "mcv.example.toml"
SECRET = "s3cr3t-Pa55"


def write(folder: Path, text: str, name: str = "mcv.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    if name != "mcv.toml" and not name.endswith(".pem"):  # a password file: private, as mcv demands
        path.chmod(0o600)
    return path


def test_example_loads_and_documents_every_key():
    loaded = load_config(EXAMPLE)
    assert loaded.path == EXAMPLE.absolute()
    assert loaded.broker.password is None
    assert [link.id for link in loaded.links] == ["radio-1", "drone-1", "tak", "satcom"]
    assert loaded.map.sources[0].path == EXAMPLE.parent / "tiles" / "district.mbtiles"
    text = EXAMPLE.read_text(encoding="utf-8")
    for cls in (config.VehicleConfig, BrokerConfig, config.LinkConfig, StreamConfig,
                config.MapSourceConfig, UplinkConfig, config.StoreConfig, config.ConsoleConfig, config.VideoConfig,
                config.DispatchConfig):
        for f in dataclasses.fields(cls):
            if f.metadata.get("toml", True):
                assert f"\n{f.name} = " in text or f"\n# {f.name} = " in text, (cls.__name__, f.name)


def test_defaults_without_a_file(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "default_config_path", lambda: tmp_path / "absent.toml")
    monkeypatch.setattr(config, "default_data_dir", lambda: tmp_path / "data")
    loaded = load_config(must_exist=False)
    assert loaded == Config.defaults()
    assert loaded.vehicle.id == "mcv-1" and loaded.console.theme == "night"
    assert loaded.store_path == tmp_path / "data" / "mcv.sqlite3"
    assert loaded.links == () and isinstance(loaded.links, tuple)
    with pytest.raises(ConfigError, match="does not exist"):
        load_config()


def test_default_paths_use_platformdirs():
    assert config.default_config_path().name == "mcv.toml"
    assert config.default_config_path().parent.name == "mcv"
    assert config.default_data_dir().name == "mcv"


def test_broker_url_parts_and_relative_paths(tmp_path):
    write(tmp_path, "pw\n", "broker.password")
    write(tmp_path, "-----BEGIN CERTIFICATE-----\n", "ca.pem")
    path = write(tmp_path, """
[broker]
url = "mqtts://[::1]"
username = "console"
password_file = "broker.password"
ca_file = "ca.pem"
[uplink]
url = "mqtt://hq.example.org"
allow_plaintext = true
[store]
path = "db/mcv.sqlite3"
""")
    loaded = load_config(path)
    assert (loaded.broker.host, loaded.broker.port, loaded.broker.tls) == ("::1", 8883, True)
    assert (loaded.uplink.host, loaded.uplink.port, loaded.uplink.tls) == ("hq.example.org", 1883, False)
    assert loaded.broker.password == "pw"
    assert loaded.broker.ca_file == tmp_path / "ca.pem"
    assert loaded.store_path == tmp_path / "db" / "mcv.sqlite3"
    assert isinstance(loaded.broker, BrokerConfig) and isinstance(loaded.uplink, UplinkConfig)
    assert BrokerConfig().host is None and BrokerConfig().port is None and not BrokerConfig().tls


def test_config_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Config.defaults().vehicle.id = "x"  # type: ignore[misc]


LINK = '[[links]]\nid = "a"\ntype = "serial"\nurl = "/dev/ttyS0"\n'
STREAM = '[[streams]]\nid = "cam"\nname = "Cam"\nkind = "mast"\nurl = "rtsp://h/x"\n'

# (name, file text, key named in the message, line, words in the message)
BROKEN = [
    ("toml syntax", '[vehicle]\nid = "a"\nname = \n', None, 3, "not valid TOML"),
    ("unclosed table", '[vehicle]\n\n[console\n', None, 3, "not valid TOML"),
    ("wrong type", '[console]\ntheme = "day"\nstale_after_s = "abc"\n', "console.stale_after_s", 3,
     "expected an integer, got a string 'abc'"),
    ("bool for int", LINK + "baud = true\n", "links[0].baud", 5, "got a boolean true"),
    ("table expected", 'vehicle = 3\n', "vehicle", 1, "expected a table"),
    ("list expected", '[links]\nid = "a"\n', "links", 1, "expected a list of tables"),
    ("unknown top-level key", '[vehicle]\nid = "a"\n\n[frobnicate]\nx = 1\n', "frobnicate", 4,
     "not a known key"),
    ("unknown nested key", '[vehicle]\nid = "a"\nnmae = "x"\n', "vehicle.nmae", 3, "correct it to 'name'"),
    ("unknown key in array", LINK + LINK.replace('"a"', '"b"') + "baudrate = 1\n", "links[1].baudrate", 9,
     "not a known key"),
    ("missing required key", '[[links]]\nid = "a"\ntype = "serial"\n', "links[0].url", 1, "required key 'url'"),
    ("bad enum", LINK + LINK.replace('"a"', '"b"').replace("serial", "radio"), "links[1].type", 7,
     "'radio' is not one of serial, mqtt, mavlink, cot, modem"),
    ("bad theme", '[console]\ntheme = "dusk"\n', "console.theme", 2, "not one of night, day"),
    ("bad broker scheme", '[broker]\nurl = "http://localhost"\n', "broker.url", 2, "mqtt:// or mqtts://"),
    ("broker port", '[broker]\nurl = "mqtt://host:99999"\n', "broker.url", 2, "not a valid url"),
    ("broker without host", '[broker]\nurl = "mqtt://:1883"\n', "broker.url", 2, "no host"),
    ("bad stream scheme", STREAM.replace("rtsp://h/x", "ftp://h/x"), "streams[0].url", 5, "rtsp://"),
    ("bad map datum", '[[map.sources]]\nid = "m"\nkind = "xyz"\npath = "t"\ndatum = "ED50"\n',
     "map.sources[0].datum", 5, "WGS-84, GCJ-02"),
    ("map source without path", '[[map.sources]]\nid = "m"\nkind = "mbtiles"\n', "map.sources[0]", 1,
     "needs a path"),
    ("duplicate link id", LINK + "\n" + LINK, "links[1].id", 7, "already used by links[0]"),
    ("duplicate stream id", STREAM + STREAM, "streams[1].id", 7, "already used"),
    ("vehicle id with slash", '[vehicle]\nid = "mcv/1"\n', "vehicle.id", 2, "letters, digits"),
    ("empty vehicle id", '[vehicle]\nid = ""\n', "vehicle.id", 2, "letters, digits"),
    ("negative latency", STREAM + "latency_ms = -1\n", "streams[0].latency_ms", 6, "below 0"),
    ("missing password_file",
     '[broker]\nurl = "mqtt://h"\nusername = "u"\npassword_file = "nope.txt"\n',
     "broker.password_file", 4, "does not exist"),
    ("password_file is a folder",
     '[broker]\nurl = "mqtt://h"\nusername = "u"\npassword_file = "."\n',
     "broker.password_file", 4, "cannot be read"),
    ("password without username", '[uplink]\nurl = "mqtt://h"\npassword_file = "x"\n',
     "uplink.password_file", 3, "no username"),
    ("missing ca_file", '[uplink]\nurl = "mqtts://h"\nca_file = "ca.pem"\n', "uplink.ca_file", 3,
     "does not exist"),
    ("drain share above 100", '[uplink]\ndrain_share_percent = 120\n', "uplink.drain_share_percent", 2,
     "not a share of the link"),
    ("drain share zero", '[uplink]\ndrain_share_percent = 0\n', "uplink.drain_share_percent", 2,
     "not a share of the link"),
    ("negative link rate", '[uplink]\nlink_kbps = -5\n', "uplink.link_kbps", 2, "below 0"),
    ("no positions kept", '[uplink]\npositions_kept_per_unit = 0\n', "uplink.positions_kept_per_unit", 2,
     "below 1"),
]


@pytest.mark.parametrize(("text", "key", "line", "words"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_broken_file_names_file_key_line_and_fix(tmp_path, text, key, line, words):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    error = caught.value
    message = str(error)
    assert message.startswith(f"{path}, line {line}")
    assert (error.path, error.line, error.key) == (path, line, key)
    if key:
        assert f"key {key}:" in message
    assert words in message
    assert "Fix: " in message and message.endswith(".")
    assert "\n" not in message


def test_bad_enum_message_reads_as_one_sentence(tmp_path):
    path = write(tmp_path, LINK.replace("serial", "radio"))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == (
        f"{path}, line 3, key links[0].type: 'radio' is not one of serial, mqtt, mavlink, cot, modem. "
        "Fix: use one of those values.")


def test_missing_explicit_file(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "nope.toml", must_exist=False)
    assert str(tmp_path / "nope.toml") in str(caught.value) and "Fix:" in str(caught.value)


def test_unreadable_config_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot be read.*Fix:"):
        load_config(tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a mode-000 file anyway")
def test_mode_000_password_file(tmp_path):
    secret = write(tmp_path, SECRET, "pw")
    secret.chmod(0)
    path = write(tmp_path, '[broker]\nurl = "mqtt://h"\nusername = "u"\npassword_file = "pw"\n')
    with pytest.raises(ConfigError, match="broker.password_file.*cannot be read"):
        load_config(path)


def test_not_utf8_reports_the_line(tmp_path):
    path = tmp_path / "mcv.toml"
    path.write_bytes(b'[vehicle]\nname = "caf\xe9"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.line == 2 and "UTF-8" in str(caught.value)


def test_password_never_shown(tmp_path):
    write(tmp_path, SECRET + "\n", "pw")
    path = write(tmp_path, f"""
[broker]
url = "mqtt://localhost"
username = "u"
password_file = "pw"
[[streams]]
id = "cam"
name = "Cam"
kind = "bodycam"
url = "rtsp://admin:{SECRET}@10.0.0.5:554/x"
sub_url = "rtsp://admin:{SECRET}@10.0.0.5:554/y"
""")
    loaded = load_config(path)
    assert loaded.broker.password == SECRET
    assert loaded.streams[0].url.endswith(f"{SECRET}@10.0.0.5:554/x")
    for shown in (repr(loaded), str(loaded), repr(loaded.broker), repr(loaded.streams[0])):
        assert SECRET not in shown
    assert "admin:****@10.0.0.5" in repr(loaded.streams[0])


@pytest.mark.parametrize("text", [
    f'[[streams]]\nid = "c"\nname = "C"\nkind = "warp"\nurl = "rtsp://a:{SECRET}@h/x"\n',
    f'[[streams]]\nid = "c"\nname = "C"\nkind = "mast"\nurl = "ftp://a:{SECRET}@h/x"\n',
    f'[broker]\nurl = "mqtt://u:{SECRET}@localhost"\n',
    f'[broker]\nurl = "http://u:{SECRET}@localhost"\n',
    '[broker]\nurl = "mqtt://h"\nusername = "u"\npassword_file = "pw"\nbogus = 1\n',
    '[broker]\nurl = "mqtt://h"\nusername = "u"\npassword_file = "pw"\n[console]\ntheme = 3\n',
])
def test_secret_never_in_error_message(tmp_path, text):
    write(tmp_path, SECRET + "\n", "pw")
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    assert SECRET not in str(caught.value)
    assert SECRET not in repr(caught.value)


@pytest.mark.parametrize(("url", "masked"), [
    ("rtsp://user:secret@host/x", "rtsp://user:****@host/x"),
    ("rtsp://user:secret@host:8554/x?y=1", "rtsp://user:****@host:8554/x?y=1"),
    ("rtsp://user:secret@[fe80::1]:554/x", "rtsp://user:****@[fe80::1]:554/x"),
    ("rtsps://user:p%40ss@cam.local", "rtsps://user:****@cam.local"),
    ("rtsp://user:@host/x", "rtsp://user:****@host/x"),
    ("rtsp://user@host/x", "rtsp://user@host/x"),
    ("rtsp://host:554/x", "rtsp://host:554/x"),
    ("rtsp://[::1]:554/a@b", "rtsp://[::1]:554/a@b"),
    ("file:///srv/demo.mp4", "file:///srv/demo.mp4"),
    ("not a url", "not a url"),
    ("", ""),
])
def test_mask_url(url, masked):
    assert mask_url(url) == masked


def test_stream_repr_masks_urls():
    stream = StreamConfig(id="c", name="C", kind="mast", url="rtsp://a:b@h/x", sub_url="rtsp://a:b@h/y")
    assert "a:****@h/x" in repr(stream) and "a:****@h/y" in repr(stream) and ":b@" not in repr(stream)


@pytest.mark.parametrize("sysid, problem", [(3, None), (0, "0 is not a MAVLink system id"),
                                            (256, "256 is not a MAVLink system id")])
def test_drone_stream_names_its_mavlink_system_id(tmp_path, sysid, problem):
    path = write(tmp_path, STREAM.replace('"mast"', '"drone"') + f"sysid = {sysid}\n")
    if problem is None:
        assert load_config(path).streams[0].sysid == sysid
    else:
        with pytest.raises(ConfigError, match=f"key streams\\[0\\].sysid: {problem}.*1 to 255"):
            load_config(path)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), st.binary()))
def test_any_file_gives_config_or_config_error(tmp_path_factory, content):
    path = tmp_path_factory.mktemp("fuzz") / "mcv.toml"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    else:
        path.write_bytes(content)
    try:
        assert isinstance(load_config(path), Config)
    except ConfigError as error:
        assert "Fix:" in str(error)


toml_keys = st.sampled_from(["vehicle", "broker", "links", "streams", "map", "sources", "id", "type", "url",
                             "kind", "path", "name", "baud", "theme", "password_file", "ca_file", "datum"])
toml_values = st.recursive(
    st.one_of(st.text(max_size=12), st.integers(), st.booleans(), st.sampled_from(["mqtt://h", "rtsp://h/x"])),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(toml_keys, inner, max_size=4)),
    max_leaves=12)


def as_toml(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.encode("unicode_escape").decode("ascii").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(as_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {as_toml(v)}" for k, v in value.items()) + "}"
    return str(value)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(toml_keys, toml_values, max_size=5))
def test_any_shaped_document_gives_config_or_config_error(tmp_path_factory, document):
    path = tmp_path_factory.mktemp("fuzz") / "mcv.toml"
    path.write_text("\n".join(f"{k} = {as_toml(v)}" for k, v in document.items()), encoding="utf-8")
    try:
        assert isinstance(load_config(path), Config)
    except ConfigError as error:
        assert "Fix:" in str(error)


def test_deeply_nested_toml_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="nested too deeply"):
        load_config(write(tmp_path, "a = " + "[" * 5000 + "]" * 5000))


def test_uplink_drain_and_compaction_keys(tmp_path):
    defaults = load_config(write(tmp_path, '[uplink]\nurl = "mqtts://hq"\n')).uplink
    assert (defaults.link_kbps, defaults.drain_share_percent, defaults.positions_kept_per_unit) == (0, 50, 10)
    loaded = load_config(write(tmp_path, '[uplink]\nurl = "mqtts://hq"\nlink_kbps = 2000\n'
                                         'drain_share_percent = 30\npositions_kept_per_unit = 3\n')).uplink
    assert (loaded.link_kbps, loaded.drain_share_percent, loaded.positions_kept_per_unit) == (2000, 30, 3)
