"""A paho client whose plain TCP socket reads and writes in large chunks.

paho reads every MQTT packet with at least three ``recv`` calls (the type byte, the
length bytes one at a time, then the rest) and writes every packet, each PUBACK
included, with a ``send`` of its own. Each is a system call, and on a busy gateway
each system call gives up the GIL and waits to get it back behind the link threads,
so handling thousands of small packets a second costs more in waiting than in work.

``BufferedSocket`` takes whatever the kernel holds in one ``recv`` and serves paho's
small reads from memory; ``pending()`` tells the bus's loop that bytes wait there, as
an ``SSLSocket`` does, so it reads them without waiting on ``select``. Writes gather
in memory and leave in one ``send`` when the bus's loop calls ``flush()`` at the end
of its turn; ``unsent()`` makes the loop wait for the socket to take the rest. The
write buffer is bounded: past ``WRITE_LIMIT`` a ``send`` says "would block" and paho
keeps the packet queued, as it does for a full kernel buffer. ``close`` hands the
kernel what is left first, so a DISCONNECT is not lost (the broker would send the
will). TLS sockets are left as they are: ``ssl`` already reads in records.
"""

from __future__ import annotations

import socket

import paho.mqtt.client as mqtt

READ_CHUNK = 256 * 1024
WRITE_LIMIT = 1024 * 1024   # bytes gathered before a send says "would block"
CLOSE_FLUSH_S = 1.0         # how long ``close`` waits for the kernel to take what is left


class BufferedSocket:
    """A connected, non-blocking TCP socket with read and write buffers; only the bus thread uses it."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._data = b""
        self._pos = 0
        self._out = bytearray()

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
        """Take all of ``data`` into the write buffer (``BlockingIOError`` while it is full)."""
        if len(self._out) >= WRITE_LIMIT and not self.flush():
            raise BlockingIOError("the write buffer is full")
        self._out += data
        return len(data)

    def flush(self) -> bool:
        """Hand the kernel what it takes of the write buffer; True once nothing is left (``OSError`` if lost)."""
        while self._out:
            try:
                sent = self._sock.send(self._out)
            except BlockingIOError:
                return False
            del self._out[:sent]
        return True

    def unsent(self) -> int:
        """Bytes written by paho that the kernel has not taken yet."""
        return len(self._out)

    def fileno(self) -> int:
        return self._sock.fileno()

    def setblocking(self, flag: bool) -> None:
        self._sock.setblocking(flag)

    def close(self) -> None:
        """Send what is left (a DISCONNECT, often) within ``CLOSE_FLUSH_S``, then close."""
        if self._out:
            try:
                self._sock.settimeout(CLOSE_FLUSH_S)
                self._sock.sendall(self._out)
            except OSError:  # the connection is gone already: nothing more to say on it
                pass
        self._data, self._pos, self._out = b"", 0, bytearray()
        self._sock.close()

    def __getattr__(self, name: str):
        return getattr(self._sock, name)


class BufferedClient(mqtt.Client):
    """``mqtt.Client`` reading plain TCP through a ``BufferedSocket`` (paho's one hook for its socket)."""

    def _create_socket(self):
        sock = super()._create_socket()
        return BufferedSocket(sock) if type(sock) is socket.socket else sock
