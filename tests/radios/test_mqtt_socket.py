"""BufferedSocket over a real socket pair: small reads from one large read, EOF, nothing to read; writes gathered."""

import socket

import pytest

from radios.mqtt_socket import WRITE_LIMIT, BufferedSocket


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


def test_writes_gather_until_flush_and_leave_in_order(pair):
    buffered, far = pair
    assert buffered.send(b"\x40\x02\x00\x01") == 4 and buffered.send(b"\x40\x02\x00\x02") == 4
    assert buffered.unsent() == 8
    far.setblocking(False)
    with pytest.raises(BlockingIOError):  # nothing has left yet
        far.recv(10)
    assert buffered.flush() is True and buffered.unsent() == 0
    assert far.recv(10) == b"\x40\x02\x00\x01\x40\x02\x00\x02"
    assert buffered.fileno() >= 0


def test_a_full_kernel_buffer_keeps_the_rest_and_a_full_write_buffer_says_would_block(pair):
    buffered, far = pair
    chunk = bytes(range(256)) * 256
    taken = 0
    with pytest.raises(BlockingIOError):  # the peer reads nothing: the kernel fills, then the write buffer
        while taken < 100 * WRITE_LIMIT:
            taken += buffered.send(chunk)
    assert buffered.flush() is False and buffered.unsent() > 0
    received = bytearray()
    far.settimeout(2.0)
    while len(received) < taken:
        received += far.recv(1 << 20)
        buffered.flush()
    assert buffered.unsent() == 0 and len(received) == taken and received == chunk * (taken // len(chunk))


def test_close_hands_over_what_is_left(pair):
    buffered, far = pair
    buffered.send(b"\xe0\x00")  # a DISCONNECT, written by paho just before it closes the socket
    buffered.close()
    far.settimeout(2.0)
    assert far.recv(10) == b"\xe0\x00" and far.recv(10) == b""


def test_flushing_into_a_closed_connection_raises(pair):
    buffered, far = pair
    far.close()
    buffered.send(b"\x40\x02\x00\x01")
    with pytest.raises(OSError):
        buffered.flush()
