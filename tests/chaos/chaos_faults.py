"""The faults the chaos suite injects, each on a real peer: the vehicle broker restarted, the
backhaul to HQ cut and restored, and the data folder's disk filled and freed.

Every peer here is a process or socket this test owns and stops by its PID or handle.
"""

from __future__ import annotations

import errno
import os
import resource
import selectors
import socket
import subprocess
import threading
import time
from pathlib import Path

from radios.broker import LocalBroker


class VehicleBroker:
    """The vehicle's mosquitto as installer/mosquitto/mcv-vehicle.conf runs it (persistent sessions
    and queues, bounded per client), restarted on the same port: a clean stop saves its database."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._config = f"persistence true\npersistence_location {folder}/\nmax_queued_messages 10000\n"
        self.broker = LocalBroker(extra_config=self._config)
        self.host, self.port, self.url = self.broker.host, self.broker.port, self.broker.url

    def start(self) -> VehicleBroker:
        self.broker.start()
        return self

    def stop(self) -> None:
        self.broker.stop()

    def restart(self, down_s: float) -> None:
        """Stop (SIGTERM: the database is saved), stay down ``down_s``, start again on the same port."""
        self.broker.stop()
        time.sleep(down_s)
        self.broker = LocalBroker(port=self.port, extra_config=self._config).start()

    def __enter__(self) -> VehicleBroker:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class BackhaulRelay:
    """The backhaul as a TCP relay to HQ on its own thread ("chaos-backhaul").

    ``cut()`` drops every connection through it and refuses new ones, as a lost cell or
    VSAT link does to the vehicle (HQ itself stays up); ``restore()`` listens again on the
    same port. Both are called from the test's thread.
    """

    def __init__(self, target_port: int, host: str = "127.0.0.1") -> None:
        self.host, self.target_port = host, target_port
        self._selector = selectors.DefaultSelector()
        self._lock = threading.Lock()
        self._pairs: dict[socket.socket, socket.socket] = {}
        self._listener: socket.socket | None = None
        self._closed = threading.Event()
        self.port = self._listen(0)
        self._thread = threading.Thread(target=self._run, name="chaos-backhaul", daemon=True)
        self._thread.start()

    def _listen(self, port: int) -> int:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, port))
        listener.listen(16)
        listener.setblocking(False)
        with self._lock:
            self._listener = listener
            self._selector.register(listener, selectors.EVENT_READ)
        return listener.getsockname()[1]

    def cut(self) -> None:
        with self._lock:
            sockets = list(self._pairs) + ([self._listener] if self._listener else [])
            self._pairs.clear()
            self._listener = None
            for sock in sockets:
                self._selector.unregister(sock)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def restore(self) -> None:
        self._listen(self.port)

    def close(self) -> None:
        self._closed.set()
        self._thread.join(5)
        self.cut()
        self._selector.close()

    def _run(self) -> None:
        while not self._closed.is_set():
            with self._lock:
                ready = self._selector.select(0.05) if self._selector.get_map() else []
                for key, _ in ready:
                    sock = key.fileobj
                    if sock is self._listener:
                        self._accept()
                    elif sock in self._pairs:
                        self._relay(sock)
            if not ready:
                self._closed.wait(0.05)

    def _accept(self) -> None:
        """Relay thread, lock held: join a new connection to HQ, or drop it if HQ does not answer."""
        try:
            near, _ = self._listener.accept()
        except OSError:
            return
        try:
            far = socket.create_connection((self.host, self.target_port), timeout=2)
        except OSError:
            near.close()
            return
        for sock in (near, far):
            sock.setblocking(True)
            self._selector.register(sock, selectors.EVENT_READ)
        self._pairs[near], self._pairs[far] = far, near

    def _relay(self, sock: socket.socket) -> None:
        """Relay thread, lock held: move what arrived to the other side; close both at an end."""
        other = self._pairs[sock]
        try:
            data = sock.recv(65536)
            if data:
                other.sendall(data)
                return
        except OSError:
            pass
        for end in (sock, other):
            self._pairs.pop(end, None)
            self._selector.unregister(end)
            end.close()


class SmallDisk:
    """A data folder on a filesystem of its own that the test fills and frees.

    As root (CI, this machine) it is a tmpfs of ``size_mb`` mounted on ``folder`` and
    "full" is a ballast file taking every free byte (ENOSPC, as a real disk gives).
    Where mounting is not allowed (or ``mount`` is False), the fallback limits the gateway
    child's file size with RLIMIT_FSIZE (EFBIG instead of ENOSPC) through ``prlimit``;
    ``method`` says which.
    """

    def __init__(self, folder: Path, size_mb: int = 16, mount: bool = True) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.ballast = folder / "ballast"
        mounted = mount and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size_mb}m,mode=0755", "tmpfs", str(folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
        self.method = "tmpfs" if mounted else "rlimit_fsize"
        self._limited_pid: int | None = None

    def free_bytes(self) -> int:
        stat = os.statvfs(self.folder)
        return stat.f_bavail * stat.f_frsize

    def fill(self, pid: int) -> None:
        """Leave no free byte (tmpfs), or cap the gateway ``pid``'s files at their present size."""
        if self.method == "rlimit_fsize":
            biggest = max((p.stat().st_size for p in self.folder.iterdir() if p.is_file()), default=0)
            resource.prlimit(pid, resource.RLIMIT_FSIZE, (biggest, resource.RLIM_INFINITY))
            self._limited_pid = pid
            return
        chunk = b"\0" * (1 << 20)
        fd = os.open(self.ballast, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            for size in (1 << 20, 4096, 1):  # big steps, then the last crumbs
                try:
                    while True:
                        os.write(fd, chunk[:size])
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
        finally:
            os.close(fd)

    def free(self) -> None:
        """Space back: the ballast removed, or the limit lifted."""
        if self._limited_pid is not None:
            try:
                resource.prlimit(self._limited_pid, resource.RLIMIT_FSIZE,
                                 (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
            except ProcessLookupError:
                pass
            self._limited_pid = None
        self.ballast.unlink(missing_ok=True)

    def close(self) -> None:
        self.free()
        if self.method == "tmpfs":
            subprocess.run(["umount", "-l", str(self.folder)], check=False)
