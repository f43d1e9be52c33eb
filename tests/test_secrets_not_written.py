"""No secret in anything the demo writes: ``mcv demo --headless`` logs in to a broker that wants a
password, to HQ with a password and is given an SRT passphrase; then every file it wrote
(logs, the store and its every table, HQ's folder, recordings and their manifests, the run's
config, and the after-action report and exports made from its store afterwards) and its stdout
and stderr are searched for each secret as written, URL-encoded and
base64-encoded, and the test fails naming the file.

About 40-60 s of wall time; ``-m "not end_to_end"`` leaves it out.
"""

from __future__ import annotations

import base64
import secrets
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

import pytest

from console.demo_field import DEMO_VEHICLE
from radios.broker import LocalBroker, free_port
from radios.bus import BusSettings, MqttBus
from radios.schema import DispatchRequest, Topics
from support import reap, wait_until

pytestmark = [pytest.mark.end_to_end, pytest.mark.broker]

DURATION_S = 30  # the scripted outage and SOS fit in from 30 s on: the uplink reconnects with its login


def unique_secret(length: int = 24) -> str:
    """A fresh secret that no file could hold by chance; '+', '/' and '=' make its URL form differ."""
    return f"{secrets.token_urlsafe(length)}+/={secrets.token_hex(4)}"


def encoded_forms(secret: str) -> dict[str, bytes]:
    """The secret as bytes, URL-encoded, and base64 at each of the three alignments a longer text may give it."""
    raw = secret.encode()
    forms = {"plain": raw, "url-encoded": quote(secret, safe="").encode()}
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw)
        # Only the characters made from the secret's bits alone; the prefix and padding vary.
        start, end = (offset * 8 + 5) // 6, ((offset + len(raw)) * 8) // 6
        forms[f"base64+{offset}"] = encoded[start:end]
    return forms


def database_text(path: Path) -> bytes:
    """Every table's rows as SQL text, so a secret in any column is found whatever the page layout."""
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)) as db:
            return "\n".join(db.iterdump()).encode("utf-8", "replace")
    except sqlite3.DatabaseError:
        return b""


def leaks(folder: Path, texts: dict[str, bytes], named: dict[str, str]) -> list[str]:
    """``file: secret (form)`` for every secret found in a file under ``folder`` or in ``texts``."""
    found = []
    places = dict(texts)
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
        data = path.read_bytes()
        if data[:16] == b"SQLite format 3\x00":
            data += database_text(path)
        places[str(path.relative_to(folder))] = data
    for place, data in places.items():
        for name, secret in named.items():
            for form, needle in encoded_forms(secret).items():
                if needle in data:
                    found.append(f"{place}: {name} ({form})")
    return found


def test_the_demo_writes_no_secret_anywhere(tmp_path, isolated_dirs):
    named = {"broker password": unique_secret(), "HQ password": unique_secret(),
             "SRT passphrase": unique_secret(20)}
    private = tmp_path / "private"  # the password files themselves: outside what is searched
    private.mkdir(mode=0o700)
    for name, secret in named.items():
        path = private / (name.replace(" ", "-") + ".txt")
        path.write_text(secret + "\n")
        path.chmod(0o600)
    plain = private / "passwd"
    plain.write_text(f"demo-gateway:{named['broker password']}\n")
    subprocess.run(["mosquitto_passwd", "-U", str(plain)], check=True, capture_output=True, timeout=10)
    config = tmp_path / "base.toml"
    with LocalBroker(extra_config=f"allow_anonymous false\npassword_file {plain}\n") as broker:
        config.write_text(
            f'[broker]\nurl = "{broker.url}"\nusername = "demo-gateway"\n'
            f'password_file = "{private / "broker-password.txt"}"\n\n'
            f'[uplink]\nusername = "demo-1"\npassword_file = "{private / "HQ-password.txt"}"\n\n'
            f'[dispatch]\nurl = "srt://127.0.0.1:{free_port()}?streamid=publish:{{vehicle}}/{{stream}}"\n'
            f'password_file = "{private / "SRT-passphrase.txt"}"\n')
        config.chmod(0o600)
        stdout, stderr = tmp_path / "demo.out", tmp_path / "demo.err"
        with stdout.open("wb") as out_file, stderr.open("wb") as err_file:
            demo = subprocess.Popen([sys.executable, "-m", "console", "demo", "--headless",
                                     "--duration", str(DURATION_S), "--config", str(config)],
                                    stdin=subprocess.DEVNULL, stdout=out_file, stderr=err_file)
        try:
            assert wait_until(lambda: b"running headless" in stdout.read_bytes() or demo.poll() is not None, 60), \
                stdout.read_text()
            send_a_stream_to_hq(broker, named["broker password"])  # the SRT sender child is handed the passphrase and fails
            demo.wait(DURATION_S + 90)
        finally:
            reap(demo)
        broker_log = broker.log_text()
    out = stdout.read_text(errors="replace")
    assert "mcv demo: events stored:" in out, out + stderr.read_text(errors="replace")
    assert "using the configured broker" in out, "the demo ran on its own broker, not the one with a password"
    assert "Not authorized" not in broker_log and "not authorised" not in broker_log.lower(), broker_log
    written = [p for p in isolated_dirs.rglob("*") if p.is_file()]
    assert any(p.name == "gateway.log" for p in written) and any(p.suffix == ".sqlite3" for p in written)

    [run_config] = [p for p in written if p.name == "mcv.toml"]
    assert "HQ-password.txt" in run_config.read_text() and "SRT-passphrase.txt" in run_config.read_text(), \
        "the run carried the logins"
    for command in (["report", "--out", str(run_config.parent / "report.html")],
                    ["export", "events", "--out", str(run_config.parent / "events.csv")],
                    ["export", "tracks", "--out", str(run_config.parent / "tracks.gpx")]):
        made = subprocess.run([sys.executable, "-m", "console", *command, "--from", "now-1h",
                               "--config", str(run_config)], capture_output=True, timeout=120)
        assert made.returncode == 0, made.stdout + made.stderr
    assert (run_config.parent / "report.html").stat().st_size > 0
    found = leaks(isolated_dirs, {"stdout": stdout.read_bytes(), "stderr": stderr.read_bytes(),
                                  "broker log": broker_log.encode()}, named)
    assert not found, "secrets written where people and reports can read them:\n" + "\n".join(found)


def send_a_stream_to_hq(broker: LocalBroker, password: str) -> None:
    """Ask the demo's gateway, as a seat would, to send the mast camera to HQ (where nothing listens)."""
    bus = MqttBus(BusSettings(broker.host, broker.port, "secret-search-seat", username="demo-gateway",
                              password=password), on_message=lambda *_: None)
    bus.start()
    try:
        assert bus.wait_connected(10)
        request = DispatchRequest.create("console@test", stream="mast-1", action="start", seat="comms")
        reply = bus.request_sync(f"{Topics(DEMO_VEHICLE).root}/cmd/dispatch", request.encode(), 10)
        assert reply is not None, "the gateway did not answer the dispatch request"
    finally:
        bus.stop()


def test_the_search_finds_every_form_it_looks_for(tmp_path):
    secret = unique_secret()
    (tmp_path / "log.txt").write_text(f"url=srt://h?passphrase={quote(secret, safe='')}\n")
    with closing(sqlite3.connect(tmp_path / "db.sqlite3")) as db:
        db.execute("CREATE TABLE t (v TEXT)")
        db.execute("INSERT INTO t VALUES (?)", (f"Authorization: Basic {base64.b64encode(b'u:' + secret.encode()).decode()}",))
        db.commit()
    (tmp_path / "clean.txt").write_text("nothing here")
    found = leaks(tmp_path, {"stdout": f"password {secret}".encode()}, {"x": secret})
    assert "log.txt: x (url-encoded)" in found and "stdout: x (plain)" in found
    assert any(f.startswith("db.sqlite3: x (base64+") for f in found)
    assert not any(f.startswith("clean.txt") for f in found)
