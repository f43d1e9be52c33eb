"""A read-only view of the gateway's store file for a time window, for reports and exports.

Reports and exports are made on the vehicle PC where the gateway runs, beside it: the
gateway stays the only writer, and this reader opens each query on its own read-only
connection (WAL lets it read while the gateway writes), so it never creates, migrates
or locks the file. Consoles on other seats get history over the bus instead.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from radios.schema import Alarm, Event, PayloadError, UnitState, format_ts
from radios.store import BUSY_TIMEOUT_MS, StoreError

_RELATIVE = re.compile(r"now(?:\s*([+-])\s*(\d+(?:\.\d+)?)\s*([smhd]))?")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_EVENT_COLUMNS = "id, ts, src, category, severity, seat, unit, text, lat, lon, corrects"


class TimeError(ValueError):
    """A time a person typed that cannot be read; the message shows the forms that work."""


def parse_when(text: str, now: datetime) -> datetime:
    """A moment from ISO 8601 or ``now``, ``now-2h``, ``now-30m``, ``now-1d``; aware, UTC.

    A time written without a zone is the local time of this PC, as a person means it.
    """
    spelled = text.strip()
    relative = _RELATIVE.fullmatch(spelled.lower())
    try:
        if relative:
            sign, amount, unit = relative.groups()
            if sign is None:
                return now.astimezone(timezone.utc)
            offset = timedelta(seconds=float(amount) * _UNIT_SECONDS[unit])
            return (now + offset if sign == "+" else now - offset).astimezone(timezone.utc)
        try:
            moment = datetime.fromisoformat(spelled.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise TimeError(f"{text!r} is not a time; write it as 2024-05-01T14:30 (local), "
                            "2024-05-01T06:30Z (UTC) or now-2h") from None
        if moment.tzinfo is None:
            moment = moment.astimezone()  # naive: this PC's local time
        return moment.astimezone(timezone.utc)
    except TimeError:
        raise
    except (OverflowError, ValueError):  # now-99999999999d, or year 1 moved by a zone: past datetime's range
        raise TimeError(f"{text!r} is outside the years 1 to 9999; give a time nearer to now") from None


@dataclass(frozen=True)
class TimeWindow:
    """From ``start`` to ``end`` inclusive, both as the store writes time (UTC, ms, ``Z``)."""

    start: str
    end: str

    @classmethod
    def between(cls, start: datetime, end: datetime) -> TimeWindow:
        if start >= end:
            raise TimeError(f"the window starts at {format_ts(start)}, not before its end "
                            f"{format_ts(end)}; give --from an earlier time than --to")
        return cls(format_ts(start), format_ts(end))

    @classmethod
    def parse(cls, start: str, end: str, now: datetime | None = None) -> TimeWindow:
        """The window a person gave as ``--from`` and ``--to`` (see ``parse_when``)."""
        now = now or datetime.now(timezone.utc)
        return cls.between(parse_when(start, now), parse_when(end, now))


class StoreReader:
    """Reads one store file through read-only connections; safe from any thread."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise StoreError(f"there is no store at {self.path}; check [store] path in the config, "
                             "or run the gateway once so that it creates the store")

    def events(self, window: TimeWindow) -> list[Event]:
        """Log entries in the window, oldest first (entries of the same time in arrival order)."""
        rows = self._query(f"SELECT {_EVENT_COLUMNS} FROM events WHERE ts >= ? AND ts <= ? ORDER BY ts, rowid",
                           (window.start, window.end))
        return [Event(**row) for row in rows]

    def tracks(self, window: TimeWindow) -> dict[str, list[UnitState]]:
        """Every unit's positions in the window, by uid, each oldest first."""
        rows = self._query("SELECT uid, state FROM positions WHERE ts >= ? AND ts <= ? ORDER BY uid, ts, rowid",
                           (window.start, window.end))
        tracks: dict[str, list[UnitState]] = {}
        for row in rows:
            state = _decoded(UnitState, row["state"])
            if state is not None:
                tracks.setdefault(row["uid"], []).append(state)
        return tracks

    def latest_positions(self, window: TimeWindow) -> list[UnitState]:
        """Each unit's last position in the window (where it was at the window's end), by uid."""
        rows = self._query("SELECT state FROM (SELECT uid, state, ROW_NUMBER() OVER (PARTITION BY uid"
                           " ORDER BY ts DESC, rowid DESC) AS newest FROM positions WHERE ts >= ? AND ts <= ?)"
                           " WHERE newest = 1 ORDER BY uid", (window.start, window.end))
        return [s for s in (_decoded(UnitState, row["state"]) for row in rows) if s is not None]

    def alarms(self, window: TimeWindow) -> list[Alarm]:
        """Alarms raised in the window, oldest first, as they stand now (acknowledged or not)."""
        rows = self._query("SELECT alarm FROM alarms WHERE ts >= ? AND ts <= ? ORDER BY ts",
                           (window.start, window.end))
        return [a for a in (_decoded(Alarm, row["alarm"]) for row in rows) if a is not None]

    def messages(self, window: TimeWindow) -> list[dict]:
        """Messages to units in the window, oldest first: id, ts, src, to_unit, text, state."""
        return self._query("SELECT id, ts, src, to_unit, text, state FROM messages"
                           " WHERE ts >= ? AND ts <= ? ORDER BY ts", (window.start, window.end))

    def outbox_counts(self) -> dict[int, int]:
        """Items waiting for HQ now, by priority."""
        rows = self._query("SELECT priority, count(*) AS n FROM outbox GROUP BY priority ORDER BY priority")
        return {row["priority"]: row["n"] for row in rows}

    def _query(self, sql: str, params: Sequence = ()) -> list[dict]:
        try:
            conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the store {self.path}: {exc}; check that this user may read it") from exc
        try:
            conn.row_factory = sqlite3.Row
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            return [dict(row) for row in conn.execute(sql, params)]
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read the store {self.path}: {exc}; it may be from another mcv version "
                             "or not a store: run the gateway once on it, or point the config at the right file"
                             ) from exc
        finally:
            conn.close()


def _decoded(cls: type, blob: str):
    """A stored payload, or None for one that no longer validates (it is skipped, not fatal)."""
    try:
        return cls.from_dict(json.loads(blob))
    except (ValueError, TypeError, PayloadError):
        return None
