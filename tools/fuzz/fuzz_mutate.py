"""Byte-level mutation of a valid sample: the structure-aware half of fuzzing without a coverage guide.

``apply(seed, ops)`` is deterministic (hypothesis draws the ops in tests/fuzz/);
``mutate(seed, rng, tokens)`` draws them from a ``random.Random`` (the plain loop in
fuzz_driver.py). Starting from a valid sample keeps most of the structure, so the
parser's deeper checks see input, not just its first refusal.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

# One op: (kind, position, length, bytes). Kinds below; position and length wrap to fit.
FLIP, INSERT, DELETE, DUPLICATE, TRUNCATE, OVERWRITE = range(6)
INTERESTING = (b"\x00", b"\xff", b"\x7f", b"\x80", b"-1", b"0", b"1e309", b"\xc3\x28", b"\n", b"\"", b"<", b",")


def apply(seed: bytes, ops: Sequence[tuple[int, int, int, bytes]]) -> bytes:
    """``seed`` changed by each op in turn."""
    data = bytearray(seed)
    for kind, position, length, chunk in ops:
        at = position % (len(data) + 1)
        if kind == FLIP and data:
            index = at % len(data)
            data[index] ^= 1 << (length % 8)
        elif kind == INSERT:
            data[at:at] = chunk
        elif kind == DELETE:
            del data[at:at + length]
        elif kind == DUPLICATE:
            data[at:at] = data[at:at + length] * (1 + length % 3)
        elif kind == TRUNCATE:
            del data[at:]
        elif kind == OVERWRITE:
            data[at:at + len(chunk)] = chunk
    return bytes(data)


def mutate(seed: bytes, rng: random.Random, tokens: Sequence[bytes] = ()) -> bytes:
    """A random handful of ops on ``seed``, splicing in the target's tokens and some interesting bytes."""
    pool = tuple(tokens) + INTERESTING
    ops = [(rng.randrange(6), rng.randrange(1 << 20), rng.randrange(1, 32),
            rng.choice(pool) if rng.random() < 0.7 else rng.randbytes(rng.randrange(1, 8)))
           for _ in range(rng.randrange(1, 6))]
    return apply(seed, ops)
