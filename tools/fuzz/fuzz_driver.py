"""Runs one fuzz target under atheris (coverage-guided libFuzzer), or as a plain mutation loop without it.

``main(name)`` is what every ``fuzz_<name>.py`` harness calls. With atheris installed
the target's seeds become the starting corpus (written to a fresh folder unless a
corpus folder is given) and its tokens a libFuzzer dictionary; all libFuzzer flags
pass through (``-max_total_time=300``, ``-timeout=5``, ``-rss_limit_mb=1024``). Without
atheris (or with ``MCV_FUZZ_PLAIN=1``) the same seeds are mutated at random for
``-max_total_time`` seconds; a crash prints the input as a Python bytes literal and saves
it as ``crash-<sha1>`` in the current folder.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import random
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

from fuzz_mutate import mutate  # noqa: E402


# The modules whose coverage guides atheris, per target (imported traced, before the targets).
TRACED: dict[str, tuple[str, ...]] = {
    "nmea": ("radios.nmea", "pynmea2"),
    "at_reply": ("radios.at_commands",),
    "cot_xml": ("radios.cot", "defusedxml", "xml.etree.ElementTree"),
    "cot_protobuf": ("radios.cot", "takproto"),
    "cot_stream": ("radios.cot_stream", "radios.cot"),
    "mavlink": ("radios.drone_state", "radios.mavlink_link"),
    "payload": ("radios.payload", "radios.schema", "radios.command_payloads", "radios.hq_dedup", "json"),
    "device_json": ("radios.device_format", "radios.payload", "json"),
    "config": ("radios.config", "tomllib"),
    "geojson": ("maps.overlays", "json"),
    "kml": ("maps.overlays", "defusedxml", "xml.etree.ElementTree"),
    "gpx": ("maps.overlays", "defusedxml", "xml.etree.ElementTree"),
    "sbd": ("radios.sbd_codec", "radios.schema"),
    "time_window": ("radios.store_reader",),
    "xyz_metadata": ("maps.xyz_folder", "json"),
    "mbtiles": ("maps.mbtiles", "maps.tile_source", "maps.tile_access"),
}


def main(name: str, argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    try:
        import atheris
    except ImportError:
        atheris = None
    if os.environ.get("MCV_FUZZ_PLAIN"):   # the plain loop even where atheris is installed
        atheris = None
    if atheris is not None:
        # Only the modules a target exercises are traced: tracing pymavlink's 30,000-line
        # dialect for every target would take minutes before the first input.
        traced = TRACED[name]
        with atheris.instrument_imports(include=list(traced)):
            for module in traced:
                importlib.import_module(module)
    from fuzz_targets import TARGETS
    target = TARGETS[name]
    if atheris is None:
        _random_loop(target, argv)
        return
    flags = [a for a in argv[1:] if a.startswith("-")]
    folders = [a for a in argv[1:] if not a.startswith("-")]
    if not folders:
        corpus = Path(tempfile.mkdtemp(prefix=f"mcv-fuzz-{name}-corpus-"))
        for seed in target.seeds():
            (corpus / hashlib.sha1(seed).hexdigest()).write_bytes(seed)
        folders = [str(corpus)]
    if target.tokens and not any(f.startswith("-dict=") for f in flags):
        tokens = Path(tempfile.mkstemp(prefix=f"mcv-fuzz-{name}-", suffix=".dict")[1])
        tokens.write_text("".join(f'"{_escape(t)}"\n' for t in target.tokens if len(t) <= 64))
        flags.append(f"-dict={tokens}")
    if not any(f.startswith("-timeout=") for f in flags):
        flags.append("-timeout=5")
    if not any(f.startswith("-rss_limit_mb=") for f in flags):
        flags.append("-rss_limit_mb=1024")
    atheris.Setup([argv[0], *flags, *folders], target.run)
    atheris.Fuzz()


def _escape(token: bytes) -> str:
    return "".join(chr(b) if 32 <= b < 127 and b not in (34, 92) else f"\\x{b:02x}" for b in token)


def _random_loop(target, argv: list[str]) -> None:
    """Without atheris: mutate the seeds at random until the time is up; stop at the first crash."""
    from fuzz_targets import MAX_CALL_S

    limit = next((float(a.split("=", 1)[1]) for a in argv if a.startswith("-max_total_time=")), 60.0)
    rng = random.Random(int(os.environ.get("MCV_FUZZ_SEED", "0")) or None)
    seeds, runs, started = target.seeds(), 0, time.monotonic()
    while time.monotonic() - started < limit:
        data = mutate(rng.choice(seeds), rng, target.tokens) if rng.random() < 0.9 else rng.randbytes(rng.randrange(64))
        began = time.monotonic()
        try:
            target.run(data)
        except BaseException:
            _save_crash(data)
            raise
        if time.monotonic() - began > MAX_CALL_S:
            _save_crash(data)
            raise SystemExit(f"{target.name}: one input took {time.monotonic() - began:.1f} s (a hang)")
        runs += 1
    print(f"{target.name}: {runs} inputs in {limit:.0f} s, no crash")


def _save_crash(data: bytes) -> None:
    path = Path.cwd() / f"crash-{hashlib.sha1(data).hexdigest()}"
    path.write_bytes(data)
    print(f"crashing input saved to {path}: {data[:400]!r}", file=sys.stderr)
