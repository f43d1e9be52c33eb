"""An Iridium-SBD-style modem in software, for the demo and the tests: the far end of a pty.

``ModemEmulator`` opens a serial device (one end of a socat pty pair, or any pyserial
url) and answers the AT commands ``AtModem`` uses the way an Iridium 9602/9603 does:
``AT``, ``ATE0/1`` (echo is on at power-up, as on the real modem), ``AT+CSQ``,
``AT+CREG?``, ``AT+SBDWB=<n>`` (``READY``, then n bytes and the 2-byte checksum,
answered ``0`` or ``1`` timeout / ``2`` bad checksum / ``3`` bad size), ``AT+SBDIX``
and ``AT+SBDD0``. What it answers is set through attributes any thread may change
(``signal``, ``sbdix_status``, ``checksum_reply``, ``error_commands``, ``mute``), and
every message a session delivered is kept in ``delivered``. Runs on its own thread
``modem-emulator``, or as ``python -m radios.modem_emulator DEVICE``.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import signal as signals
import subprocess
import sys
import threading
import time
from pathlib import Path

import serial

from radios.at_commands import MAX_MO_BYTES, sbd_checksum
from radios.child_process import die_with_parent, end_process

log = logging.getLogger(__name__)

READ_TIMEOUT_S = 0.05
BINARY_TIMEOUT_S = 2.0   # the real modem waits 60 s for the bytes after READY; tests should not
REOPEN_S = 0.2
MAX_COMMAND_CHARS = 256
PTY_READY_S = 5.0


class ModemEmulator:
    """A fake SBD modem answering on ``url``; attributes below may be changed from any thread."""

    def __init__(self, url: str, *, signal: int = 5, profile: str = "sbd", sbdix_status: int = 0,
                 sbdix_delay_s: float = 0.05, binary_timeout_s: float = BINARY_TIMEOUT_S) -> None:
        self.url = url
        self.profile = profile
        self.signal = signal              # AT+CSQ: 0-5 (sbd) or RSSI 0-31 (cellular)
        self.registration = 1             # AT+CREG? stat
        self.sbdix_status = sbdix_status  # mo status of the next sessions (0-4 delivers)
        self.sbdix_delay_s = sbdix_delay_s
        self.binary_timeout_s = binary_timeout_s
        self.checksum_reply: int | None = None  # force AT+SBDWB's answer (2: "bad checksum") when set
        self.error_commands: set[str] = set()   # commands answered ERROR (the part before '=' or '?')
        self.mute = False                        # answer nothing at all
        self.echo = True
        self.delivered: list[bytes] = []         # every message a session delivered, in order
        self.commands: list[str] = []            # every command line received
        self._lock = threading.Lock()
        self._buffer: bytes | None = None        # the MO buffer
        self._momsn = 0
        self._port: serial.SerialBase | None = None
        self._stopping = threading.Event()
        self._opened = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> ModemEmulator:
        """Start answering on the thread ``modem-emulator``."""
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="modem-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(3)

    def wait_open(self, timeout_s: float = 5.0) -> bool:
        """Wait until the device is open, so nothing written to it before is lost (any thread)."""
        return self._opened.wait(timeout_s)

    def messages(self) -> list[bytes]:
        """A copy of the delivered messages (any thread)."""
        with self._lock:
            return list(self.delivered)

    def inject(self, data: bytes) -> None:
        """Write raw bytes towards the modem's user (garbage, unsolicited codes)."""
        self._send_raw(data)

    def __enter__(self) -> ModemEmulator:
        """Start, and wait (up to 5 s) until the device is open."""
        self.start()
        self.wait_open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the emulator thread ------------------------------------------------------------

    def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                if self._port is None:
                    try:
                        self._port = serial.serial_for_url(self.url, timeout=READ_TIMEOUT_S)
                        self._opened.set()
                    except (serial.SerialException, OSError, ValueError):
                        self._stopping.wait(REOPEN_S)
                        continue
                try:
                    self._serve_one()
                except (serial.SerialException, OSError):
                    self._close()
        finally:
            self._close()

    def _serve_one(self) -> None:
        """Read one command line (up to CR) and answer it."""
        line = self._read_command()
        if line is None:
            return
        with self._lock:
            self.commands.append(line)
        if self.mute:
            return
        if self.echo:
            self._send_raw(line.encode("ascii", "replace") + b"\r")
        self._answer(line.strip().upper())

    def _read_command(self) -> str | None:
        data = bytearray()
        while not self._stopping.is_set():
            byte = self._port.read(1)
            if not byte:
                if not data:
                    return None
                continue
            if byte in b"\r\n":
                if data:
                    return data.decode("ascii", "replace")
                continue
            if len(data) < MAX_COMMAND_CHARS:
                data += byte
        return None

    def _answer(self, command: str) -> None:
        name = command.split("=")[0].split("?")[0]
        if name in self.error_commands:
            self._reply("ERROR")
        elif command == "AT":
            self._reply("OK")
        elif command in ("ATE0", "ATE1"):
            self.echo = command == "ATE1"
            self._reply("OK")
        elif command == "AT+CSQ":
            self._reply(f"+CSQ:{self.signal}" if self.profile == "sbd" else f"+CSQ: {self.signal},99", "OK")
        elif command == "AT+CREG?":
            self._reply(f"+CREG: 0,{self.registration}", "OK")
        elif name == "AT+SBDWB":
            self._write_binary(command)
        elif command == "AT+SBDIX":
            self._session()
        elif command == "AT+SBDD0":
            self._buffer = None
            self._reply("0", "OK")
        else:
            self._reply("ERROR")

    def _write_binary(self, command: str) -> None:
        """``AT+SBDWB=<n>``: READY, then n bytes and the checksum within the binary timeout."""
        try:
            size = int(command.partition("=")[2])
        except ValueError:
            self._reply("ERROR")
            return
        if not 1 <= size <= MAX_MO_BYTES:
            self._reply("3", "OK")
            return
        self._reply("READY")
        data = bytearray()
        deadline = time.monotonic() + self.binary_timeout_s
        while len(data) < size + 2 and time.monotonic() < deadline and not self._stopping.is_set():
            data += self._port.read(size + 2 - len(data))
        if len(data) < size + 2:
            self._reply("1", "OK")
            return
        message, checksum = bytes(data[:size]), bytes(data[size:])
        status = 0 if checksum == sbd_checksum(message) else 2
        if self.checksum_reply is not None:
            status = self.checksum_reply
        if status == 0:
            self._buffer = message
        self._reply(str(status), "OK")

    def _session(self) -> None:
        """``AT+SBDIX``: deliver the MO buffer unless told to fail (no signal is no service)."""
        self._stopping.wait(self.sbdix_delay_s)
        status = self.sbdix_status if self.signal > 0 else 32
        if status <= 4 and self._buffer is not None:
            self._momsn = (self._momsn + 1) % 65536
            with self._lock:
                self.delivered.append(self._buffer)
            log.info("modem emulator: delivered an SBD message of %d bytes: %s", len(self._buffer),
                     self._buffer.hex())
        self._reply(f"+SBDIX: {status}, {self._momsn}, 0, 0, 0, 0", "OK")

    def _reply(self, *lines: str) -> None:
        self._send_raw(b"".join(b"\r\n" + line.encode("ascii") + b"\r\n" for line in lines))

    def _send_raw(self, data: bytes) -> None:
        port = self._port
        if port is None:
            return
        try:
            port.write(data)
        except (serial.SerialException, OSError):
            pass

    def _close(self) -> None:
        self._opened.clear()
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError):
                pass


class PtyModem:
    """A modem emulator behind a socat pty pair, for the demo: the gateway opens ``device``.

    socat is a child process stopped by its PID; stopping it is an unplug.
    """

    def __init__(self, folder: Path, **options: object) -> None:
        self.device = folder / "ttySATCOM"
        self.far_end = folder / "ttySATCOM-modem"
        self._options = options
        self._socat: subprocess.Popen | None = None
        self.emulator: ModemEmulator | None = None

    def start(self) -> PtyModem:
        """Make the pty pair and answer on its far end; RuntimeError saying why if it cannot."""
        if shutil.which("socat") is None:
            raise RuntimeError("socat is not installed (installer/setup.sh --dev installs it)")
        for stale in (self.device, self.far_end):  # left by a run that was killed
            if stale.is_symlink():
                stale.unlink()
        self._socat = subprocess.Popen(
            ["socat", f"pty,raw,echo=0,link={self.device}", f"pty,raw,echo=0,link={self.far_end}"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=die_with_parent)
        deadline = time.monotonic() + PTY_READY_S
        while not (self.device.exists() and self.far_end.exists()):
            if time.monotonic() > deadline or self._socat.poll() is not None:
                self.stop()
                raise RuntimeError("socat made no pty pair")
            time.sleep(0.01)
        self.emulator = ModemEmulator(str(self.far_end), **self._options).start()
        return self

    def link_config(self, link_id: str = "satcom") -> str:
        """The ``[[links]]`` section for the gateway's config."""
        url = json.dumps(str(self.device))  # JSON string quoting is valid TOML basic-string quoting
        return f'\n[[links]]\nid = "{link_id}"\ntype = "modem"\nprofile = "sbd"\nurl = {url}\nbaud = 19200\n'

    def stop(self) -> None:
        if self.emulator is not None:
            self.emulator.stop()
            self.emulator = None
        socat, self._socat = self._socat, None
        if socat is not None:
            end_process(socat, 5)


def main(argv: list[str] | None = None) -> int:
    """``python -m radios.modem_emulator DEVICE``: answer as an SBD modem until SIGINT or SIGTERM."""
    parser = argparse.ArgumentParser(prog="python -m radios.modem_emulator", description=__doc__.splitlines()[0])
    parser.add_argument("device", help="the serial device or pyserial url to answer on (a pty's far end)")
    parser.add_argument("--signal", type=int, default=5, help="AT+CSQ answer (0-5; default 5)")
    parser.add_argument("--sbdix-status", type=int, default=0, help="mo status of every session (default 0: sent)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = threading.Event()
    for signum in (signals.SIGTERM, signals.SIGINT):
        signals.signal(signum, lambda *_: stop.set())
    with ModemEmulator(args.device, signal=args.signal, sbdix_status=args.sbdix_status) as emulator:
        while not emulator.wait_open(1.0) and not stop.is_set():
            print(f"modem emulator: waiting for {args.device} to appear", file=sys.stderr, flush=True)
        if not stop.is_set():
            print(f"modem emulator answering on {args.device}", flush=True)
        stop.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
