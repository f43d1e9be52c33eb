"""The service files: systemd units for the gateway and the broker, and the vehicle broker's config.

The broker config is started with the real mosquitto, with only what a test machine cannot
have swapped out (the vehicle LAN listener, /etc and /var/lib paths), so its options, the
ACL file and persistence are what a vehicle runs.
"""

from __future__ import annotations

import configparser
import os
import re
import shlex
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from radios.broker import broker_answers, free_port
from radios.bus import BusSettings, MqttBus
from support import wait_until

REPO = Path(__file__).resolve().parents[2]
UNITS = REPO / "installer" / "systemd"
MOSQUITTO_DIR = REPO / "installer" / "mosquitto"
MOSQUITTO = shutil.which("mosquitto") or shutil.which("mosquitto", path="/usr/sbin:/usr/local/sbin")
PASSWORDS = {"mcv-gateway": "gateway-secret", "commander": "commander-secret"}


def read_unit(name: str) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # systemd keys are case-sensitive
    unit.read(UNITS / name)
    return unit


def test_gateway_unit_runs_mcv_gateway_as_a_confined_service():
    service = read_unit("mcv-gateway.service")["Service"]

    command = shlex.split(service["ExecStart"])
    assert Path(command[0]).name == "mcv"
    assert command[1:] == ["gateway", "--config", "/etc/mcv/mcv.toml"]
    assert service["Restart"] == "on-failure"
    assert service["User"] not in ("", "root")
    assert "dialout" in service["SupplementaryGroups"].split()
    assert service["ProtectSystem"] == "strict"
    assert service["StateDirectory"] == "mcv"  # /var/lib/mcv, the one writable place


def test_broker_unit_runs_mosquitto_with_the_shipped_config():
    unit = read_unit("mcv-broker.service")
    service = unit["Service"]

    command = shlex.split(service["ExecStart"])
    assert Path(command[0]).name == "mosquitto"
    assert command[1] == "-c" and (MOSQUITTO_DIR / Path(command[2]).name).is_file()
    assert service["Restart"] == "on-failure"
    assert service["ProtectSystem"] == "strict"
    assert "mcv-gateway.service" in unit["Unit"]["Before"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
@pytest.mark.parametrize("name", ["mcv-gateway.service", "mcv-broker.service"])
def test_systemd_accepts_every_option_of_the_unit(name, tmp_path):
    # verify checks that ExecStart exists; the bundle is not installed on a test machine.
    text = (UNITS / name).read_text().replace("/usr/bin/mcv", "/bin/true")
    (tmp_path / name).write_text(text)

    result = subprocess.run(["systemd-analyze", "verify", str(tmp_path / name)],
                            capture_output=True, text=True, timeout=60, check=False)

    complaints = [line for line in result.stderr.splitlines() if name in line]
    assert result.returncode == 0 and not complaints, result.stderr


def vehicle_config(folder: Path, port: int) -> Path:
    """The shipped broker config with loopback, a private persistence folder and test users."""
    passwd = folder / "passwd"
    for user, password in PASSWORDS.items():
        subprocess.run(["mosquitto_passwd", "-b", *(["-c"] if not passwd.exists() else []), str(passwd), user,
                        password], check=True, capture_output=True, timeout=10)
    (folder / "db").mkdir()
    text = (MOSQUITTO_DIR / "mcv-vehicle.conf").read_text()
    swaps = {
        r"^listener 1883 \S+$": "",
        r"^persistence_location .*$": f"persistence_location {folder / 'db'}/",
        r"^password_file .*$": f"password_file {passwd}",
        r"^acl_file .*$": f"acl_file {MOSQUITTO_DIR / 'mcv.acl'}",
    }
    for pattern, replacement in swaps.items():
        text, count = re.subn(pattern, replacement, text, flags=re.MULTILINE)
        assert count, f"mcv-vehicle.conf has no line matching {pattern}"
    text += f"\nlistener {port} 127.0.0.1\n"
    if os.geteuid() == 0:  # else mosquitto drops to its own user, who cannot read the test's folder
        text += "user root\n"
    config = folder / "mosquitto.conf"
    config.write_text(text)
    return config


class VehicleBroker:
    """mosquitto run on ``config``; ``stop`` ends it by its PID with SIGTERM, so it saves its database."""

    def __init__(self, config: Path, port: int) -> None:
        self.port = port
        self._log = open(config.with_suffix(".log"), "ab")
        self.process = subprocess.Popen([MOSQUITTO, "-c", str(config)], stdin=subprocess.DEVNULL,
                                        stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        self._log_path = config.with_suffix(".log")

    def wait_ready(self) -> None:
        assert wait_until(lambda: broker_answers("127.0.0.1", self.port) or self.process.poll() is not None, 10)
        assert self.process.poll() is None, f"mosquitto exited:\n{self._log_path.read_text()}"

    def stop(self) -> int:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self._log.close()
        return self.process.returncode


def client(port: int, user: str, on_message=None) -> MqttBus:
    bus = MqttBus(BusSettings("127.0.0.1", port, f"test-{user}", username=user, password=PASSWORDS[user]),
                  on_message=on_message or (lambda topic, payload, retained: None))
    bus.start()
    assert bus.wait_connected(10), f"{user} could not log in to the vehicle broker"
    return bus


@pytest.mark.broker
@pytest.mark.skipif(MOSQUITTO is None, reason="mosquitto is not installed")
def test_vehicle_broker_enforces_roles_and_keeps_retained_state_across_a_restart(tmp_path):
    port = free_port()
    config = vehicle_config(tmp_path, port)
    broker = VehicleBroker(config, port)
    try:
        broker.wait_ready()
        gateway = client(port, "mcv-gateway")
        gateway.publish("mcv/v1/t-1/alarm/a1", b'{"state": "open"}', retain=True).wait_for_publish(5)
        gateway.stop()
        commander = client(port, "commander")
        # Only the gateway writes unit state; the broker refuses a seat's forged position.
        commander.publish("mcv/v1/t-1/unit/forged", b"{}", retain=True).wait_for_publish(5)
        commander.stop()
        assert broker.stop() == 0

        broker = VehicleBroker(config, port)
        broker.wait_ready()
        seen: dict[str, bool] = {}
        lock = threading.Lock()

        def on_message(topic: str, payload: bytes, retained: bool) -> None:
            """Bus thread."""
            with lock:
                seen[topic] = retained

        commander = client(port, "commander", on_message)
        try:
            commander.subscribe("mcv/v1/#")
            assert wait_until(lambda: "mcv/v1/t-1/alarm/a1" in seen, 5), f"retained alarm lost in the restart: {seen}"
            time.sleep(0.3)  # a forged retained message would arrive with the alarm
        finally:
            commander.stop()
        assert seen == {"mcv/v1/t-1/alarm/a1": True}
        assert broker.stop() == 0
    finally:
        broker.stop()
