"""Framing of a TAK server's TCP stream: CoT XML events and ``0xBF`` protobuf frames cut apart.

A TAK server streams XML events back to back (a reader cuts after each ``</event>``) or,
once both ends speak TAK protocol 1, protobuf frames (``0xBF``, the length as a varint,
the message). Pure: no socket, no clock.
"""

from __future__ import annotations

from radios.cot import MAX_EVENT_BYTES, STREAM_MAGIC, CotError, read_varint


class CotStreamSplitter:
    """Cuts a TAK server's byte stream into CoT messages (XML events or ``0xBF`` protobuf frames).

    ``feed`` returns the complete messages and the problems found (reasons to count); an
    event over ``MAX_EVENT_BYTES`` is reported once and skipped to its end, so a hostile
    10 MB document costs a counter, not memory. Used on the reader thread only.
    """

    def __init__(self, max_bytes: int = MAX_EVENT_BYTES) -> None:
        self.max_bytes = max_bytes
        self._buffer = bytearray()
        self._skip_xml = False    # inside an oversized XML event: drop through its </event>
        self._skip_bytes = 0      # inside an oversized protobuf frame: drop this many bytes

    def feed(self, chunk: bytes) -> tuple[list[bytes], list[str]]:
        buf, messages, problems = self._buffer, [], []
        buf += chunk
        while buf:
            if self._skip_bytes:
                dropped = min(self._skip_bytes, len(buf))
                del buf[:dropped]
                self._skip_bytes -= dropped
                continue
            if self._skip_xml:
                end = buf.find(b"</event>")
                if end < 0:
                    del buf[:max(0, len(buf) - 7)]
                    break
                del buf[:end + 8]
                self._skip_xml = False
                continue
            start = _first_non_space(buf)
            del buf[:start]
            if not buf:
                break
            if buf[0] == STREAM_MAGIC:
                try:
                    length, body = read_varint(buf, 1)
                except CotError as exc:
                    problems.append(f"{exc}; dropped what was buffered")
                    buf.clear()
                    break
                if length is None:
                    break
                if length > self.max_bytes:
                    problems.append(f"a protobuf frame of {length} bytes is over the {self.max_bytes}-byte limit")
                    del buf[:body]
                    self._skip_bytes = length
                    continue
                if len(buf) < body + length:
                    break
                messages.append(bytes(buf[:body + length]))
                del buf[:body + length]
            elif buf[0] == ord("<"):
                end = buf.find(b"</event>")
                if end < 0 or end + 8 > self.max_bytes:
                    if end < 0 and len(buf) <= self.max_bytes:
                        break
                    problems.append(f"an XML event over the {self.max_bytes}-byte limit")
                    self._skip_xml = True
                    continue
                messages.append(bytes(buf[:end + 8]))
                del buf[:end + 8]
            else:
                resume = next((i for i, b in enumerate(buf) if b in (STREAM_MAGIC, ord("<"))), len(buf))
                problems.append(f"{resume} bytes that are neither CoT XML nor TAK protobuf")
                del buf[:resume]
        return messages, problems


def _first_non_space(buf: bytearray) -> int:
    for index, byte in enumerate(buf):
        if byte not in b" \t\r\n\0":
            return index
    return len(buf)
