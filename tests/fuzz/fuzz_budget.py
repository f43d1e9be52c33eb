"""The fixed, reproducible budget of every fuzz suite, and the strategies that bend valid samples.

CI runs each property with the example count written in its test (derandomized, no
example database, so every run tries the same inputs); ``MCV_FUZZ_EXAMPLES=20000``
raises every count for a long run by hand. A call that takes longer than
``fuzz_targets.MAX_CALL_S`` is a hang and fails the test.
"""

from __future__ import annotations

import json
import os
import time

from fuzz_mutate import INTERESTING, apply
from fuzz_targets import MAX_CALL_S, Target
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


def budget(examples: int) -> settings:
    """``examples`` tries in CI (or ``MCV_FUZZ_EXAMPLES``), the same ones on every run."""
    count = int(os.environ.get("MCV_FUZZ_EXAMPLES", examples))
    return settings(max_examples=count, deadline=None, derandomize=True, database=None,
                    suppress_health_check=HEALTH, print_blob=True)


def run_checked(target: Target, data: bytes) -> None:
    """The target's checked call, failing as a hang when one input takes over ``MAX_CALL_S``."""
    started = time.monotonic()
    target.run(data)
    elapsed = time.monotonic() - started
    assert elapsed < MAX_CALL_S, f"{target.name}: one input of {len(data)} bytes took {elapsed:.2f} s"


def _ops(tokens: tuple[bytes, ...]) -> st.SearchStrategy:
    chunk = st.sampled_from(tokens + INTERESTING) | st.binary(min_size=1, max_size=8)
    op = st.tuples(st.integers(0, 5), st.integers(0, 1 << 20), st.integers(1, 40), chunk)
    return st.lists(op, min_size=1, max_size=6)


def mutated(target: Target) -> st.SearchStrategy[bytes]:
    """A valid sample of the target bent by a few byte-level ops (flip, insert, delete, duplicate, cut)."""
    return st.builds(apply, st.sampled_from(target.seeds()), _ops(target.tokens))


HOSTILE_NUMBERS = [0, -1, 1, 2**31, -(2**31) - 1, 2**63, 2**64 + 1, 10**400, 1e308, -1e308, 5e-324, -0.0, 0.1, 1e15]
HOSTILE_TEXT = ["", " ", "\0", "\x7f", "a" * 5000, "\ud7ff\ue000", "/", "+", "#", "../", "1e309", "NaN", "\u202e",
                "2026-11-29T10:30:00Z", "0000-00-00T00:00:00", "9999-12-31T23:59:59+14:00",
                "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "<x>", "&amp;", "%s%n"]

json_leaf = (st.sampled_from(HOSTILE_NUMBERS) | st.sampled_from(HOSTILE_TEXT) | st.none() | st.booleans()
             | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20))
json_value = st.recursive(json_leaf, lambda inner: st.lists(inner, max_size=4)
                          | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)


def _paths(node: object, path: tuple = ()) -> list[tuple]:
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, path + (index,))
    return found


def _replaced(document: object, path: tuple, value: object, drop: bool) -> object:
    if not path:
        return value
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    if drop:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return document


@st.composite
def json_mutated(draw, target: Target) -> bytes:
    """A valid JSON sample with one to three values replaced by hostile ones (or removed)."""
    document = json.loads(draw(st.sampled_from(target.seeds())))
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(document)
        path = draw(st.sampled_from(paths))
        document = _replaced(document, path, draw(json_value), drop=bool(path) and draw(st.booleans()))
    return json.dumps(document, ensure_ascii=draw(st.booleans())).encode()


_XML_NAMES = ["uid", "type", "time", "start", "stale", "lat", "lon", "hae", "callsign", "speed", "course", "url",
              "messageId", "id", "address", "port", "path", "protocol", "name", "version", "senderCallsign"]


@st.composite
def xml_mutated(draw, target: Target) -> bytes:
    """A valid XML sample with attributes, texts and elements changed, removed or repeated."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(draw(st.sampled_from(target.seeds())))   # our own samples: plain ElementTree is safe
    for _ in range(draw(st.integers(1, 4))):
        elements = list(root.iter())
        element = draw(st.sampled_from(elements))
        action = draw(st.sampled_from(["attribute", "text", "remove", "repeat", "rename"]))
        value = draw(st.sampled_from(HOSTILE_TEXT) | st.text(max_size=30)
                     | st.sampled_from(HOSTILE_NUMBERS).map(str))
        if action == "attribute":
            element.set(draw(st.sampled_from(sorted(element.attrib) + _XML_NAMES)), value)
        elif action == "text":
            element.text = value
        elif action == "remove" and len(element):
            element.remove(draw(st.sampled_from(list(element))))
        elif action == "repeat" and len(element):
            child = draw(st.sampled_from(list(element)))
            for _ in range(draw(st.integers(1, 40))):
                element.append(child)
        elif action == "rename":
            element.tag = draw(st.sampled_from([e.tag for e in elements] + ["x", "detail", "point", "event"]))
    return ET.tostring(root)
