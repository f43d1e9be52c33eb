"""A paho client whose plain TCP socket reads in large chunks.

paho reads every MQTT packet with at least three ``recv`` calls (the type byte, the
length bytes one at a time, then the rest). Each is a system call, and on a busy
gateway each system call gives up the GIL and waits to get it back behind the link
threads, so reading thousands of small packets a second costs more in waiting than in
work. ``BufferedSocket`` takes whatever the kernel holds in one ``recv`` and serves
paho's small reads from memory; ``pending()`` tells the bus's loop that bytes wait
there, as an ``SSLSocket`` does, so it reads them without waiting on ``select``.
TLS sockets are left as they are: ``ssl`` already reads in records.
"""

from __future__ import annotations

import socket

import paho.mqtt.client as mqtt

READ_CHUNK = 256 * 1024


class BufferedSocket:
    """A connected, non-blocking TCP socket with a read buffer; only the bus thread uses it."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._data = b""
        self._pos = 0

    def recv(self, size: int) -> bytes:
        """Up to ``size`` bytes: from the buffer, else one large read (raises ``BlockingIOError`` if none)."""
        if self._pos >= len(self._data):
            self._data = self._sock.recv(READ_CHUNK)
            self._pos = 0
            if not self._data:
                return b""  # the peer closed the connection
        chunk = self._data[self._pos:self._pos + size]
        self._pos += len(chunk)
        return chunk

    def pending(self) -> int:
        """Bytes read from the kernel and not yet handed to paho."""
        return len(self._data) - self._pos

    def send(self, data: bytes) -> int:
        return self._sock.send(data)

    def fileno(self) -> int:
        return self._sock.fileno()

    def setblocking(self, flag: bool) -> None:
        self._sock.setblocking(flag)

    def close(self) -> None:
        self._data, self._pos = b"", 0
        self._sock.close()

    def __getattr__(self, name: str):
        return getattr(self._sock, name)


class BufferedClient(mqtt.Client):
    """``mqtt.Client`` reading plain TCP through a ``BufferedSocket`` (paho's one hook for its socket)."""

    def _create_socket(self):
        sock = super()._create_socket()
        return BufferedSocket(sock) if type(sock) is socket.socket else sock
