"""BufferedSocket over a real socket pair: small reads from one large read, EOF, and nothing to read."""

import socket

import pytest

from radios.mqtt_socket import BufferedSocket


@pytest.fixture
def pair():
    near, far = socket.socketpair()
    near.setblocking(False)
    yield BufferedSocket(near), far
    near.close()
    far.close()


def test_small_reads_come_from_one_large_read(pair):
    buffered, far = pair
    far.sendall(b"\x30\x05hello\x40\x02\x00\x01")
    assert buffered.recv(1) == b"\x30" and buffered.pending() == 10
    assert buffered.recv(1) == b"\x05" and buffered.recv(5) == b"hello"
    assert buffered.recv(100) == b"\x40\x02\x00\x01" and buffered.pending() == 0
    with pytest.raises(BlockingIOError):  # nothing left in memory or in the kernel
        buffered.recv(1)
    far.sendall(b"more")
    assert buffered.recv(2) == b"mo" and buffered.recv(2) == b"re"


def test_the_peer_closing_mid_packet_reads_as_end_of_file(pair):
    buffered, far = pair
    far.sendall(b"\x30\x7f partial")
    far.close()
    assert buffered.recv(2) == b"\x30\x7f"
    assert buffered.recv(1000) == b" partial"
    assert buffered.recv(1) == b""


def test_writes_pass_straight_through(pair):
    buffered, far = pair
    assert buffered.send(b"\xe0\x00") == 2
    assert far.recv(10) == b"\xe0\x00"
    assert buffered.fileno() >= 0
