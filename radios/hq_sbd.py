"""HQ's side of the satellite path: decode SBD messages from vehicles, drop those already handled.

A message a vehicle sent by SBD reaches HQ through the satellite operator (Iridium
delivers each mobile-originated message as a file, by DirectIP or e-mail). HQ reads it
with ``accept_sbd``, which decodes it (``radios.sbd_codec``) and passes its id through
the same ``HqDedup`` as the MQTT uplink, so an alarm that arrived by satellite and
again over IP once the backhaul returned is handled once (docs/sbd.md).
``mcv hq decode FILE|-`` prints messages as the bus's JSON, one per line.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import BinaryIO, TextIO

from radios.hq_dedup import HqDedup
from radios.sbd_codec import MAX_MESSAGE_BYTES, SbdFormatError, decode_message
from radios.schema import Alarm, Event

EXIT_MALFORMED = 1


def accept_sbd(dedup: HqDedup, data: bytes) -> Event | Alarm | None:
    """The item in one SBD message if HQ has not handled its id yet; None for a copy.

    Raises ``SbdFormatError`` for a message that is not one (count it, log it, drop it).
    """
    item = decode_message(data).item
    return item if dedup.accept(item.id) else None


def run_decode(sources: Sequence[str], out: TextIO | None = None, err: TextIO | None = None,
               stdin: BinaryIO | None = None) -> int:
    """``mcv hq decode``: each FILE (``-`` is standard input) holds one message; print each as JSON.

    Returns 0 when every message decoded, 1 when one was malformed or unreadable (the
    others are still printed).
    """
    out = out or sys.stdout
    err = err or sys.stderr
    status = 0
    for source in sources:
        name = "standard input" if source == "-" else source
        try:
            if source == "-":
                data = (stdin or sys.stdin.buffer).read(MAX_MESSAGE_BYTES + 1)
            else:
                with open(source, "rb") as file:
                    data = file.read(MAX_MESSAGE_BYTES + 1)
            message = decode_message(data)
        except OSError as exc:
            print(f"mcv hq decode: cannot read {name}: {exc.strerror or exc}", file=err)
            status = EXIT_MALFORMED
            continue
        except SbdFormatError as exc:
            print(f"mcv hq decode: {name} is not an mcv SBD message: {exc}", file=err)
            status = EXIT_MALFORMED
            continue
        if message.text_truncated:
            print(f"mcv hq decode: {name}: the text was cut to fit the message", file=err)
        print(json.dumps(message.item.to_dict(), ensure_ascii=False, separators=(",", ":")), file=out)
    return status
