"""A mosquitto broker started on a free loopback port, for the demo and the tests.

On a vehicle the broker runs as a service; this is for when none is configured.
The broker is a child process with its own config in a private folder; ``stop``
ends it by its PID.
"""

from __future__ import annotations

import getpass
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from radios.child_process import die_with_parent, end_process

READY_TIMEOUT_S = 5.0


class BrokerError(RuntimeError):
    """The local broker could not be started; the message says why and what to do."""


def free_port(host: str = "127.0.0.1", kind: int = socket.SOCK_STREAM) -> int:
    """A TCP (or, with ``socket.SOCK_DGRAM``, UDP) port on ``host`` that nothing uses right now."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def broker_answers(host: str, port: int, timeout_s: float = 0.5) -> bool:
    """True when something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


class LocalBroker:
    """One mosquitto process listening on 127.0.0.1 only, anonymous, with persistence off disk."""

    def __init__(self, port: int | None = None, extra_config: str = "") -> None:
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self._extra_config = extra_config
        self._folder: tempfile.TemporaryDirectory | None = None
        self._process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self) -> "LocalBroker":
        """Start mosquitto and wait until it accepts connections."""
        executable = shutil.which("mosquitto") or shutil.which("mosquitto", path="/usr/sbin:/usr/local/sbin")
        if executable is None:
            raise BrokerError("mosquitto is not installed: install it with 'apt-get install mosquitto' "
                              "or set [broker] url in the config to a running broker")
        self._folder = tempfile.TemporaryDirectory(prefix="mcv-broker-")
        config = Path(self._folder.name) / "mosquitto.conf"
        config.write_text(
            f"listener {self.port} {self.host}\n"
            # Run as whoever started it: mosquitto started by root would otherwise switch to its
            # own user, which both loses the die-with-parent signal and cannot read our folder.
            f"user {getpass.getuser()}\n"
            "allow_anonymous true\n"
            "persistence false\n"
            # The gateway acknowledges a message once it is stored: the default 20 unacknowledged
            # messages per client would hold a busy field link to 20 per commit.
            "max_inflight_messages 1000\n"
            "log_dest stderr\n"
            "log_type error\n"
            "log_type warning\n"
            f"{self._extra_config}\n"
        )
        log_file = open(Path(self._folder.name) / "mosquitto.log", "wb")
        with log_file:
            self._process = subprocess.Popen(
                [executable, "-c", str(config)], stdin=subprocess.DEVNULL,
                stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=die_with_parent,
            )
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                message = self.log_text().strip().splitlines()[-1:] or ["no output"]
                self.stop()
                raise BrokerError(f"mosquitto exited at start on port {self.port}: {message[0]}")
            if broker_answers(self.host, self.port, 0.2):
                return self
            time.sleep(0.02)
        self.stop()
        raise BrokerError(f"mosquitto did not listen on {self.host}:{self.port} within {READY_TIMEOUT_S:.0f} s")

    def log_text(self) -> str:
        if self._folder is None:
            return ""
        path = Path(self._folder.name) / "mosquitto.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        """End mosquitto by its PID and remove its folder; safe to call twice."""
        process, self._process = self._process, None
        if process is not None:
            end_process(process, 3)
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None

    def __enter__(self) -> "LocalBroker":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
