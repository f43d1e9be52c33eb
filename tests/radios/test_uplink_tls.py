"""Credentials and TLS at config load and on the wire: the uplink is TLS unless told otherwise,
password files and private keys are private, no link url carries a password;
and a real HQ mosquitto with a TLS listener, logins and the shipped HQ topic rights.

Certificates (a CA, a server certificate for 127.0.0.1, and a CA nobody uses) are made by
openssl in the test; HQ's logins by installer/mosquitto/make_passwd.sh.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from support import wait_until

from radios.broker import LocalBroker, free_port
from radios.bus import BusSettings, MqttBus
from radios.config import ConfigError, load_config
from radios.schema import Event, Topics
from radios.secret_files import secret_file_problem
from radios.store import Store
from radios.uplink import UplinkSettings, UplinkWorker

sys.path.insert(0, str(Path(__file__).parent))  # tls_certs.py sits beside this file
from tls_certs import make_ca, make_certificate  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
MOSQUITTO_DIR = REPO / "installer" / "mosquitto"
VEHICLE = "t-1"


def write_secret(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text)
    path.chmod(mode)
    return path


def uplink_config(folder: Path, uplink: str) -> Path:
    path = folder / "mcv.toml"
    path.write_text(f'[vehicle]\nid = "{VEHICLE}"\n[broker]\nurl = "mqtt://127.0.0.1:1"\n'
                    f'[store]\npath = "{folder / "mcv.sqlite3"}"\n[uplink]\n{uplink}')
    return path


# -- at config load -----------------------------------------------------------------------

@pytest.mark.parametrize("url", ["mqtt://hq.example.org:1883", "mqtt://10.0.0.9", "mqtt://[2001:db8::1]"])
def test_a_plaintext_uplink_across_the_backhaul_is_refused(tmp_path, url):
    with pytest.raises(ConfigError) as caught:
        load_config(uplink_config(tmp_path, f'url = "{url}"\n'))
    message = str(caught.value)
    assert "uplink.url" in message and "unencrypted" in message
    assert "mqtts://" in message and "allow_plaintext = true" in message
    if "db8" in url:
        assert "mqtts://[2001:db8::1]:8883" in message


@pytest.mark.parametrize("url", ["mqtt://127.0.0.1:1883", "mqtt://localhost", "mqtt://[::1]:1883",
                                 "mqtts://hq.example.org"])
def test_tls_or_this_machine_is_accepted(tmp_path, url):
    assert load_config(uplink_config(tmp_path, f'url = "{url}"\n')).uplink.url == url


def test_a_lab_may_allow_plaintext_in_so_many_words(tmp_path):
    loaded = load_config(uplink_config(tmp_path, 'url = "mqtt://10.0.0.9"\nallow_plaintext = true\n')).uplink
    assert loaded.allow_plaintext and not loaded.tls


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o666])
def test_a_password_file_others_may_read_is_refused_with_the_chmod_to_run(tmp_path, mode):
    secret = write_secret(tmp_path / "hq.password", "hunter2-" * 3, mode)
    with pytest.raises(ConfigError) as caught:
        load_config(uplink_config(tmp_path, 'url = "mqtts://hq"\nusername = "t-1"\npassword_file = "hq.password"\n'))
    message = str(caught.value)
    assert "uplink.password_file" in message and f"chmod 600 {secret}" in message
    assert "hunter2" not in message


@pytest.mark.parametrize("mode", [0o600, 0o400])
def test_a_private_password_file_is_read(tmp_path, mode):
    write_secret(tmp_path / "hq.password", "hunter2\n", mode)
    loaded = load_config(uplink_config(tmp_path, 'url = "mqtts://hq"\nusername = "t-1"\npassword_file = "hq.password"\n'))
    assert loaded.uplink.password == "hunter2"


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another user")
def test_a_password_file_of_another_user_is_refused(tmp_path):
    secret = write_secret(tmp_path / "hq.password", "hunter2\n")
    os.chown(secret, 65534, 65534)  # nobody
    with pytest.raises(ConfigError, match="belongs to another user"):
        load_config(uplink_config(tmp_path, 'url = "mqtts://hq"\nusername = "t-1"\npassword_file = "hq.password"\n'))


def test_the_rule_for_root_owned_files_shared_with_the_service_group():
    def info(uid: int, mode: int) -> os.stat_result:
        return os.stat_result((0o100000 | mode, 0, 0, 1, uid, 0, 10, 0, 0, 0))

    path = Path("/etc/mcv/broker.password")
    assert secret_file_problem(path, info(0, 0o640), uid=999) is None  # docs/install.md's install -m 640 -g mcv
    assert secret_file_problem(path, info(0, 0o600), uid=999) is None
    assert "chmod 640" in secret_file_problem(path, info(0, 0o644), uid=999)[1]
    assert "chmod 640" in secret_file_problem(path, info(0, 0o660), uid=999)[1]  # group may not write it
    assert secret_file_problem(path, info(999, 0o640), uid=999) is not None  # own files: 600 only
    assert "another user" in secret_file_problem(path, info(1000, 0o600), uid=999)[0]


def test_private_keys_are_checked_and_certificates_are_not(tmp_path):
    cert = tmp_path / "gw.crt"
    cert.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    key = write_secret(tmp_path / "gw.key", "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n", 0o644)
    write_secret(tmp_path / "both.pem", cert.read_text() + key.read_text(), 0o644)  # the key inside the cert
    link = ('[[links]]\nid = "field"\ntype = "mqtt"\nurl = "mqtts://field.example"\n'
            'ca_file = "gw.crt"\ncert_file = "{cert}"\n{extra}')
    cert.chmod(0o644)
    path = tmp_path / "mcv.toml"
    path.write_text(link.format(cert="gw.crt", extra='key_file = "gw.key"\n'))
    with pytest.raises(ConfigError, match=r"links\[0\]\.key_file.*chmod 600"):
        load_config(path)
    key.chmod(0o600)
    assert load_config(path).links[0].key_file == key  # a public certificate at 644 is fine
    path.write_text(link.format(cert="both.pem", extra=""))
    with pytest.raises(ConfigError, match=r"links\[0\]\.cert_file.*chmod 600"):
        load_config(path)


# -- on the wire --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hq-certs")
    for ca in ("ca", "other-ca"):
        make_ca(folder, ca)
    make_certificate(folder, "hq", "ca", ip="127.0.0.1")
    return folder


@pytest.fixture
def hq_broker(tmp_path, certs):
    """District HQ: a TLS listener for 127.0.0.1, logins for the vehicle and HQ's consumer, mcv-hq.acl."""
    secrets = tmp_path / "hq-secrets"
    subprocess.run(["sh", str(MOSQUITTO_DIR / "make_passwd.sh"), str(tmp_path / "hq-passwd"), str(secrets),
                    VEHICLE, "hq-consumer"], check=True, capture_output=True, timeout=30)
    tls_port = free_port()
    extra = (f"allow_anonymous false\npassword_file {tmp_path / 'hq-passwd'}\n"
             f"acl_file {MOSQUITTO_DIR / 'mcv-hq.acl'}\n"
             f"listener {tls_port} 127.0.0.1\ncafile {certs / 'ca.crt'}\ncertfile {certs / 'hq.crt'}\n"
             f"keyfile {certs / 'hq.key'}\n")
    with LocalBroker(extra_config=extra) as broker:
        broker.tls_port, broker.secrets = tls_port, secrets
        yield broker


@pytest.mark.broker
@pytest.mark.skipif(shutil.which("mosquitto_passwd") is None, reason="mosquitto is not installed")
@pytest.mark.parametrize("ca, trusted", [("ca.crt", True), ("other-ca.crt", False)])
def test_the_uplink_reaches_hq_over_tls_only_with_hq_s_ca(tmp_path, certs, hq_broker, ca, trusted):
    vehicle_password = tmp_path / "uplink.password"
    shutil.copy(hq_broker.secrets / f"{VEHICLE}.password", vehicle_password)
    vehicle_password.chmod(0o600)
    config = load_config(uplink_config(tmp_path, f'url = "mqtts://127.0.0.1:{hq_broker.tls_port}"\n'
                                                 f'username = "{VEHICLE}"\npassword_file = "{vehicle_password}"\n'
                                                 f'ca_file = "{certs / ca}"\n'))
    arrived: list[str] = []
    lock = threading.Lock()

    def on_message(topic: str, payload: bytes, retained: bool) -> None:
        """HQ consumer's bus thread."""
        with lock:
            arrived.append(topic)

    consumer = MqttBus(BusSettings(hq_broker.host, hq_broker.port, "hq-consumer", username="hq-consumer",
                                   password=(hq_broker.secrets / "hq-consumer.password").read_text().strip()),
                       on_message=on_message)
    consumer.subscribe("mcv/v1/#")
    with Store(config.store_path) as store:
        worker = UplinkWorker(UplinkSettings.from_config(config), store, Topics(VEHICLE))
        try:
            consumer.start()
            assert consumer.wait_connected(10)
            worker.start()
            if trusted:
                assert wait_until(lambda: worker.is_up, 15), worker.backhaul_state().detail
                worker.enqueue(Event.create("test", category="note", text="over TLS"))
                assert wait_until(lambda: f"mcv/v1/{VEHICLE}/event" in arrived, 10)
            else:
                assert wait_until(lambda: "not trusted" in worker.backhaul_state().detail, 15), \
                    worker.backhaul_state().detail
                assert not worker.is_up
        finally:
            worker.stop()
            consumer.stop()


@pytest.mark.parametrize("url", ["tcp://tak:s3cret@10.0.0.7:8087", "socket://u:s3cret@10.0.0.8:4001"])
def test_a_link_url_with_a_password_is_refused_without_showing_it(tmp_path, url):
    path = tmp_path / "mcv.toml"
    path.write_text(f'[[links]]\nid = "l"\ntype = "cot"\nurl = "{url}"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "links[0].url" in str(caught.value) and "password" in str(caught.value)
    assert "s3cret" not in str(caught.value)
