"""The sender's clock burnt into the picture as a barcode, and read back from displayed pixels.

The barcode sits on a black strip across the middle of a 1280x720 frame (clear of the
title and health bars a wall tile paints over its top and bottom): a white guard box at
each end and between them ``BITS`` boxes, white for a set bit, holding the sender's wall
clock in 10 ms ticks (``floor(time * 100)`` modulo ``2**BITS``, about 46 hours).

The ticks are written in Gray code: FFmpeg evaluates every box's expression separately,
so a tick can pass between two boxes of one frame; in Gray code only one bit differs
from one tick to the next, so such a frame still reads as one of the two ticks instead
of a mix of both (in plain binary a carry would make it hours wrong).

``read_ticks`` refuses a picture it cannot read cleanly: a guard box not white, a gap
not black, or a bit box neither clearly white nor clearly black (a frame half drawn, a
scaled edge, another window on top) gives ``None``, never a wrong time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FRAME_WIDTH, FRAME_HEIGHT = 1280, 720
BITS = 24
TICKS_PER_S = 100
WRAP = 1 << BITS

STRIP_TOP, STRIP_HEIGHT = 300, 80
BOX, PITCH, LEFT = 40, 48, 16
BOX_TOP = STRIP_TOP + (STRIP_HEIGHT - BOX) // 2
CELLS = BITS + 2  # guard, bits 0..BITS-1 (least significant first), guard

WHITE_ABOVE = 170
"""A box whose middle is brighter than this (0-255) is white; ..."""
BLACK_BELOW = 85
"""... darker than this, black; in between it cannot be read."""


@dataclass(frozen=True)
class PictureRect:
    """Where the 1280x720 frame is shown, in the pixels of a grabbed image."""

    left: float
    top: float
    width: float
    height: float

    @classmethod
    def fitted(cls, left: int, top: int, width: int, height: int) -> PictureRect:
        """The frame letterboxed into a ``width`` x ``height`` area, centred (as players show it)."""
        scale = min(width / FRAME_WIDTH, height / FRAME_HEIGHT)
        shown_w, shown_h = FRAME_WIDTH * scale, FRAME_HEIGHT * scale
        return cls(left + (width - shown_w) / 2, top + (height - shown_h) / 2, shown_w, shown_h)

    def strip(self) -> tuple[int, int, int, int]:
        """``left, top, width, height`` of the barcode strip (whole pixels), the region worth grabbing."""
        sy = self.height / FRAME_HEIGHT
        top = int(self.top + STRIP_TOP * sy)
        return int(self.left), top, max(1, round(self.width)), max(1, round(STRIP_HEIGHT * sy))


def drawbox_filters() -> str:
    """FFmpeg filter chain (for ``-vf``) that burns the barcode into each frame as it is made."""
    filters = [f"drawbox=x=0:y={STRIP_TOP}:w={FRAME_WIDTH}:h={STRIP_HEIGHT}:color=black:t=fill"]
    for cell in (0, CELLS - 1):
        filters.append(f"drawbox=x={LEFT + cell * PITCH}:y={BOX_TOP}:w={BOX}:h={BOX}:color=white:t=fill")
    for bit in range(BITS):
        # Gray code bit k of n is bit k of n xor (n >> 1): the parity of floor(n/2^k) + floor(n/2^(k+1)).
        # st/ld keep one reading of the clock for both terms.
        gray = (f"st(0\\,floor(time(0)*{TICKS_PER_S}))\\;"
                f"mod(floor(ld(0)/{1 << bit})+floor(ld(0)/{1 << (bit + 1)})\\,2)")
        filters.append(f"drawbox=x={LEFT + (bit + 1) * PITCH}:y={BOX_TOP}:w={BOX}:h={BOX}"
                       f":color=white:t=fill:enable={gray}")
    return ",".join(filters)


def _centres() -> list[tuple[float, float]]:
    """Frame coordinates of the middle of every cell, guard to guard."""
    return [(LEFT + cell * PITCH + BOX / 2, BOX_TOP + BOX / 2) for cell in range(CELLS)]


def _gaps() -> list[tuple[float, float]]:
    """Frame coordinates in the black between some cells, the dark reference."""
    return [(LEFT + cell * PITCH + BOX + (PITCH - BOX) / 2, BOX_TOP + BOX / 2) for cell in (0, CELLS // 2, CELLS - 2)]


def _level(luma: np.ndarray, rect: PictureRect, origin: tuple[int, int], x: float, y: float, half: float) -> float | None:
    """Mean brightness of a square of side ``2 * half`` frame pixels around frame point ``x, y``."""
    sx, sy = rect.width / FRAME_WIDTH, rect.height / FRAME_HEIGHT
    cx, cy = rect.left + x * sx - origin[0], rect.top + y * sy - origin[1]
    rx, ry = max(0.5, half * sx), max(0.5, half * sy)
    x0, x1 = int(round(cx - rx)), int(round(cx + rx))
    y0, y1 = int(round(cy - ry)), int(round(cy + ry))
    if x0 < 0 or y0 < 0 or x1 > luma.shape[1] or y1 > luma.shape[0] or x1 <= x0 or y1 <= y0:
        return None
    return float(luma[y0:y1, x0:x1].mean())


def read_ticks(image: np.ndarray, rect: PictureRect, origin: tuple[int, int] = (0, 0)) -> int | None:
    """The tick count shown by the barcode, or ``None`` when the picture does not hold a clean one.

    ``image`` is rows x columns x channels (RGB, BGR or BGRA; the channels are averaged)
    or rows x columns of grey; ``origin`` is the image's top-left corner in the
    coordinates ``rect`` uses (a grab of a region starts there).
    """
    pixels = np.asarray(image)
    if pixels.ndim == 3:
        pixels = pixels[:, :, :3].mean(axis=2)
    if pixels.ndim != 2 or pixels.size == 0 or rect.width <= 0 or rect.height <= 0:
        return None
    levels = [_level(pixels, rect, origin, x, y, BOX / 4) for x, y in _centres()]
    gaps = [_level(pixels, rect, origin, x, y, (PITCH - BOX) / 4) for x, y in _gaps()]
    if any(level is None for level in [*levels, *gaps]):
        return None
    if levels[0] < WHITE_ABOVE or levels[-1] < WHITE_ABOVE or max(gaps) > BLACK_BELOW:
        return None
    gray = 0
    for bit, level in enumerate(levels[1:-1]):
        if level >= WHITE_ABOVE:
            gray |= 1 << bit
        elif level > BLACK_BELOW:
            return None
    return gray_to_binary(gray)


def gray_to_binary(gray: int) -> int:
    value = gray
    shift = gray >> 1
    while shift:
        value ^= shift
        shift >>= 1
    return value


def binary_to_gray(value: int) -> int:
    return value ^ (value >> 1)


def burnt_time(ticks: int, near: float) -> float:
    """The wall-clock time (s) of the middle of tick ``ticks``, unwrapped to the one nearest ``near``."""
    now_ticks = near * TICKS_PER_S
    wraps = round((now_ticks - ticks) / WRAP)
    return (wraps * WRAP + ticks + 0.5) / TICKS_PER_S
