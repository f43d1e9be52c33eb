"""The gateway's SQLite store: units, tracks, the incident log, messages and the outbox.

One ``Store`` per database file, and it is the only writer. A single thread,
``store-writer``, owns the writing connection: public write methods run on the
caller's thread, only validate and enqueue, and return a ``WriteReceipt`` that resolves
after the transaction holding the write has committed (WAL, ``synchronous=FULL``),
so a settled receipt means the row survives a crash or power loss. The writer
commits whatever is queued as one transaction (group commit), which is what keeps
durable writes fast.

Reads run on the caller's thread, each on its own short-lived read-only connection;
WAL lets them proceed alongside the writer.

Timestamps are stored as the schema writes them (UTC, ISO 8601, milliseconds, ``Z``:
``2024-05-01T12:00:00.000Z``) so that they sort and compare as text; any other
ISO 8601 spelling is normalised to that form on the way in.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from itertools import chain, groupby
from operator import itemgetter
from pathlib import Path

from sqlite_utils import Database

from radios.schema import MAX_RECEIPTS, Alarm, Event, Message, Task, UnitState, format_ts, parse_ts, utc_now
from radios.write_receipt import WriteReceipt

BUSY_TIMEOUT_MS = 5000
DISK_FULL_RETRY_S = 1.0  # while the disk is full, the held writes are tried again this often
MAX_BATCH_OPS = 2000  # ops per transaction; bounds the latency of the first op in a batch
EVENTS_PER_STATEMENT = 500  # rows per multi-row INSERT (SQLite allows 32766 parameters)
TABLES = ("units", "positions", "events", "messages", "outbox", "alarms", "tasks")
_EARLIEST, _LATEST = "", "9999-12-31T23:59:59.999Z"  # open ends of a time range, as text

log = logging.getLogger(__name__)


class StoreError(RuntimeError):
    """The store cannot do what was asked; the message names the file, the cause and the fix."""


class _DiskFull(Exception):
    """Writer thread: a transaction failed for want of disk space; its writes are held, not failed."""


# --- schema migrations: step N takes a database at user_version N-1 to N -----------


def _create_initial_tables(db: Database) -> None:
    # ``state`` is the payload as JSON: reads give back exactly what was stored.
    db.create_table("units", {"uid": str, "kind": str, "callsign": str, "lat": float, "lon": float,
                              "ts": str, "state": str},
                    pk="uid", not_null={"kind", "callsign", "lat", "lon", "ts", "state"})
    db.create_table("positions", {"id": str, "uid": str, "ts": str, "lat": float, "lon": float,
                                  "alt": float, "heading": float, "speed": float, "state": str},
                    not_null={"id", "uid", "ts", "lat", "lon", "state"})
    db["positions"].create_index(["id"], unique=True)
    db["positions"].create_index(["uid", "ts"])
    db.create_table("events", {"id": str, "ts": str, "src": str, "category": str, "severity": str,
                               "seat": str, "unit": str, "text": str, "lat": float, "lon": float},
                    pk="id", not_null={"ts", "src", "category", "severity", "text"})
    db["events"].create_index(["ts"])
    db.create_table("messages", {"id": str, "ts": str, "src": str, "to_unit": str, "text": str, "state": str},
                    pk="id", not_null={"ts", "src", "to_unit", "text", "state"})
    # sqlite_utils cannot declare AUTOINCREMENT; it keeps seq growing after deletes,
    # so the outbox order survives the queue running empty.
    db.execute(
        "CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,"
        " priority INTEGER NOT NULL, topic TEXT NOT NULL, payload BLOB NOT NULL,"
        " created TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0)"
    )
    db["outbox"].create_index(["priority", "seq"])


def _add_event_search_and_corrections(db: Database) -> None:
    # The log is append-only: a correction is a new entry whose ``corrects`` names the old one.
    db.execute("ALTER TABLE events ADD COLUMN corrects TEXT")
    for action in ("UPDATE", "DELETE"):
        db.execute(f"CREATE TRIGGER events_append_only_{action.lower()} BEFORE {action} ON events BEGIN"
                   " SELECT RAISE(ABORT, 'the incident log is append-only: add a correction instead'); END")
    # Trigram tokens find Chinese text, which has no spaces between words, as well as English.
    db.execute("CREATE VIRTUAL TABLE events_fts USING fts5(text, category, content='events',"
               " content_rowid='rowid', tokenize='trigram')")
    db.execute("INSERT INTO events_fts (rowid, text, category) SELECT rowid, text, category FROM events")
    db.execute("CREATE TRIGGER events_fts_insert AFTER INSERT ON events BEGIN"
               " INSERT INTO events_fts (rowid, text, category) VALUES (new.rowid, new.text, new.category); END")


def _add_alarms(db: Database) -> None:
    # ``alarm`` is the latest payload as JSON; state is a column so open alarms are found fast.
    db.create_table("alarms", {"id": str, "ts": str, "state": str, "alarm": str},
                    pk="id", not_null={"ts", "state", "alarm"})
    db["alarms"].create_index(["state", "ts"])


def _add_message_details(db: Database) -> None:
    # ``message`` is the latest payload as JSON (state included); older rows have none.
    for column in ("category", "via", "message"):
        db.execute(f"ALTER TABLE messages ADD COLUMN {column} TEXT")
    db["messages"].create_index(["ts"])


def _add_tasks(db: Database) -> None:
    # ``task`` is the latest payload as JSON; ``revision`` lets only the next change in.
    db.create_table("tasks", {"id": str, "ts": str, "status": str, "updated": str, "revision": int, "task": str},
                    pk="id", not_null={"ts", "status", "revision", "task"})
    db["tasks"].create_index(["status", "ts"])


def _add_message_receipts(db: Database) -> None:
    # Who reported a message delivered or read: one row per message and recipient, moving forward only.
    db.create_table("message_receipts", {"message": str, "recipient": str, "state": str, "ts": str},
                    pk=("message", "recipient"), not_null={"state", "ts"})


def _add_dispatch_choices(db: Database) -> None:
    # The streams chosen to go to HQ (docs/video_dispatch.md): a restarted gateway sends them again.
    db.create_table("dispatch_choices", {"stream": str, "ts": str, "by": str}, pk="stream", not_null={"ts"})


MIGRATIONS: list[Callable[[Database], None]] = [
    _create_initial_tables, _add_event_search_and_corrections, _add_alarms, _add_message_details, _add_tasks,
    _add_dispatch_choices, _add_message_receipts,
]


# --- the SQL of the hot path, run on the writer thread ------------------------------

_EVENT_COLUMNS = "id, ts, src, category, severity, seat, unit, text, lat, lon, corrects"
_ROW_MARKS = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
_INSERT_EVENT = f"INSERT OR IGNORE INTO events ({_EVENT_COLUMNS}) VALUES {_ROW_MARKS}"
_INSERT_POSITION = ("INSERT OR IGNORE INTO positions (id, uid, ts, lat, lon, alt, heading, speed, state)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
# A late, replayed report must not move a unit back to where it was.
_UPSERT_UNIT = (
    "INSERT INTO units (uid, kind, callsign, lat, lon, ts, state) VALUES (?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (uid) DO UPDATE SET kind = excluded.kind, callsign = excluded.callsign,"
    " lat = excluded.lat, lon = excluded.lon, ts = excluded.ts, state = excluded.state"
    " WHERE excluded.ts >= units.ts"
)
_INSERT_MESSAGE = ("INSERT OR IGNORE INTO messages (id, ts, src, to_unit, text, state)"
                   " VALUES (?, ?, ?, ?, ?, ?)")
_INSERT_OUTBOX = "INSERT OR IGNORE INTO outbox (id, priority, topic, payload, created) VALUES (?, ?, ?, ?, ?)"
_DELETE_OUTBOX = "DELETE FROM outbox WHERE id = ?"
_MARK_OUTBOX_SENT = "UPDATE outbox SET attempts = attempts + 1 WHERE id = ?"
# All but the newest ``keep`` rows of each topic at one priority (a unit's positions share a topic).
_COMPACT_OUTBOX = (
    "DELETE FROM outbox WHERE seq IN (SELECT seq FROM (SELECT seq, ROW_NUMBER() OVER"
    " (PARTITION BY topic ORDER BY seq DESC) AS newer FROM outbox WHERE priority = ?) WHERE newer > ?)"
)


def _insert_events(conn: sqlite3.Connection, rows: list[tuple]) -> list[bool]:
    """Insert a run of events; True for each row that was new.

    Rows go in as multi-row INSERTs of up to ``EVENTS_PER_STATEMENT``: sqlite3 releases
    the GIL once per statement, not once per row, so SQLite works through a chunk while
    callers keep submitting, and the writer is not starved waiting to get the GIL back.
    """
    new_rows = 0
    cursor = None
    for start in range(0, len(rows), EVENTS_PER_STATEMENT):
        chunk = rows[start:start + EVENTS_PER_STATEMENT]
        cursor = conn.execute(_insert_events_sql(len(chunk)), list(chain.from_iterable(chunk)))
        new_rows += cursor.rowcount
    if new_rows == len(rows):
        return [True] * len(rows)
    if new_rows == 0:
        return [False] * len(rows)
    # Some ids were already stored (rare). Rows inserted just now got consecutive rowids
    # ending at lastrowid, so the ids among them are exactly the new ones.
    first_new = cursor.lastrowid - new_rows + 1
    inserted = {r[0] for r in conn.execute("SELECT id FROM events WHERE rowid >= ?", (first_new,))}
    fresh = []
    for row in rows:
        fresh.append(row[0] in inserted)
        inserted.discard(row[0])  # a second copy within the batch is a duplicate
    return fresh


@functools.lru_cache(maxsize=64)
def _insert_events_sql(count: int) -> str:
    return _INSERT_EVENT.replace(_ROW_MARKS, ", ".join([_ROW_MARKS] * count))


def _insert_unit_states(conn: sqlite3.Connection, rows: list[tuple[tuple, tuple]]) -> list[bool]:
    """Append each position; if it is new, upsert its unit too."""
    fresh = []
    for position, unit in rows:
        fresh.append(conn.execute(_INSERT_POSITION, position).rowcount == 1)
        if fresh[-1]:
            conn.execute(_UPSERT_UNIT, unit)
    return fresh


def _each(sql: str) -> Callable[[sqlite3.Connection, list[tuple]], list[bool]]:
    """A batch op running ``sql`` once per row; True for each row it changed."""
    return lambda conn, rows: [conn.execute(sql, row).rowcount > 0 for row in rows]


_insert_messages = _each(_INSERT_MESSAGE)
_insert_message_payloads = _each(
    "INSERT OR IGNORE INTO messages (id, ts, src, to_unit, text, state, category, via, message)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
# A state only moves forward (queued < sent < failed < delivered < read): a late or
# repeated receipt changes nothing, and a receipt after a failure proves it arrived.
_MESSAGE_RANK = ("(CASE {0} WHEN 'queued' THEN 0 WHEN 'sent' THEN 1 WHEN 'failed' THEN 2"
                 " WHEN 'delivered' THEN 3 WHEN 'read' THEN 4 ELSE -1 END)")
_message_states = _each(
    "UPDATE messages SET state = ?1, message = json_set(message, '$.state', ?1, '$.by', ?2, '$.updated', ?3)"
    f" WHERE id = ?4 AND message IS NOT NULL AND {_MESSAGE_RANK.format('?1')} > {_MESSAGE_RANK.format('state')}")
_message_receipts = _each(
    "INSERT INTO message_receipts (message, recipient, state, ts) VALUES (?1, ?2, ?3, ?4)"
    " ON CONFLICT (message, recipient) DO UPDATE SET state = excluded.state, ts = excluded.ts"
    f" WHERE {_MESSAGE_RANK.format('excluded.state')} > {_MESSAGE_RANK.format('message_receipts.state')}")
_insert_outbox = _each(_INSERT_OUTBOX)
_insert_alarms = _each("INSERT OR IGNORE INTO alarms (id, ts, state, alarm) VALUES (?, ?, ?, ?)")
# Only an active alarm changes state: a late second acknowledgement changes nothing.
_settle_alarms = _each("UPDATE alarms SET state = ?, alarm = ? WHERE id = ? AND state = 'active'")
# A task changes one revision at a time: a stale or repeated change moves nothing.
_put_tasks = _each(
    "INSERT INTO tasks (id, ts, status, updated, revision, task) VALUES (?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (id) DO UPDATE SET status = excluded.status, updated = excluded.updated,"
    " revision = excluded.revision, task = excluded.task WHERE excluded.revision = tasks.revision + 1")
_delete_outbox = _each(_DELETE_OUTBOX)
_compact_outbox = _each(_COMPACT_OUTBOX)
_choose_dispatch = _each("INSERT OR IGNORE INTO dispatch_choices (stream, ts, by) VALUES (?, ?, ?)")
_unchoose_dispatch = _each("DELETE FROM dispatch_choices WHERE stream = ?")


def _mark_outbox_sent(conn: sqlite3.Connection, rows: list[tuple[str, ...]]) -> list[bool]:
    """Count one more attempt for every id of each row (a row is one publish round's ids)."""
    return [conn.executemany(_MARK_OUTBOX_SENT, [(id,) for id in row]).rowcount > 0 for row in rows]

# An op is (batch function, row, receipt); the writer hands each run of ops that share
# a function to it in one call.
_Op = tuple[Callable, tuple, WriteReceipt]


class Store:
    """The gateway's SQLite store and the ``store-writer`` thread that owns its writes.

    Public methods are safe to call from any thread. Write methods return a
    ``WriteReceipt``: True once the row is committed, False if its id was already
    stored (or, for ``outbox_delete``, not there); a failed write sets the
    ``sqlite3.Error`` on that receipt alone and the writer carries on.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the folder for the store {self.path}: {exc.strerror}; "
                             "check the path and its permissions") from exc
        self._pending: deque[_Op] = deque()
        self._wakeup = threading.Condition(threading.Lock())  # guards _pending and _closed
        self._settled = threading.Condition(threading.Lock())  # wakes WriteReceipt waiters after a commit
        self._settle_listeners: list[Callable[[], None]] = []
        self._closed = False
        ready: Future = Future()
        self._thread = threading.Thread(target=self._run_writer, args=(ready,), name="store-writer",
                                        daemon=True)
        self._thread.start()
        try:
            ready.result()
        except BaseException:
            self._closed = True
            self._thread.join()
            raise

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Commit everything queued, stop the writer and close; later writes raise ``StoreError``."""
        with self._wakeup:
            if self._closed:
                return
            self._closed = True
            self._wakeup.notify()
        self._thread.join()

    # --- writes: caller's thread validates and enqueues; the writer commits ---------

    def add_event(self, event: Event) -> WriteReceipt:
        """Append an entry to the incident log; a repeated id is ignored (False)."""
        row = (event.id, _canonical_ts(event.ts), event.src, event.category, event.severity,
               event.seat, event.unit, event.text, event.lat, event.lon, event.corrects)
        return self._submit(_insert_events, row)

    def add_unit_state(self, state: UnitState) -> WriteReceipt:
        """Append a position to the unit's track and make it the unit's latest state if newer."""
        ts = _canonical_ts(state.ts)
        if ts == state.ts:  # the bus's own encoding, made once for the store and the republish
            blob = state.encode().decode()
        else:
            blob = json.dumps({**state.to_dict(), "ts": ts}, ensure_ascii=False, separators=(",", ":"))
        position = (state.id, state.uid, ts, state.lat, state.lon, state.alt, state.heading, state.speed,
                    blob)
        unit = (state.uid, state.unit_kind, state.callsign, state.lat, state.lon, ts, blob)
        return self._submit(_insert_unit_states, (position, unit))

    def add_message(self, id: str, ts: str, src: str, to_unit: str, text: str,
                    state: str = "queued") -> WriteReceipt:
        """Store a message to a unit; a repeated id is ignored (False)."""
        return self._submit(_insert_messages, (id, _canonical_ts(ts), src, to_unit, text, state))

    def add_message_payload(self, message: Message) -> WriteReceipt:
        """Keep an order or message with its delivery state; a repeated id is ignored (False)."""
        return self._submit(_insert_message_payloads, (
            message.id, _canonical_ts(message.ts), message.src, message.to, message.text, message.state,
            message.category, message.via, json.dumps(message.to_dict(), ensure_ascii=False)))

    def message_state(self, id: str, state: str, by: str | None = None) -> WriteReceipt:
        """Move a message's delivery state forward; False if it is unknown or already that far."""
        return self._submit(_message_states, (state, by, utc_now(), id))

    def message_receipt(self, id: str, recipient: str, state: str) -> WriteReceipt:
        """Note that ``recipient`` has message ``id`` delivered or read; False if it had reported that far."""
        return self._submit(_message_receipts, (id, recipient, state, utc_now()))

    def add_alarm(self, alarm: Alarm) -> WriteReceipt:
        """Keep a newly raised alarm; a repeated id is ignored (False)."""
        return self._submit(_insert_alarms, (alarm.id, _canonical_ts(alarm.ts), alarm.state,
                                             json.dumps(alarm.to_dict(), ensure_ascii=False)))

    def settle_alarm(self, alarm: Alarm) -> WriteReceipt:
        """Record an active alarm's new state (acknowledged, cancelled); False if it was not active."""
        return self._submit(_settle_alarms, (alarm.state, json.dumps(alarm.to_dict(), ensure_ascii=False), alarm.id))

    def put_task(self, task: Task) -> WriteReceipt:
        """Keep a new task (revision 0) or its next revision; False if the store holds another revision."""
        return self._submit(_put_tasks, (task.id, _canonical_ts(task.ts), task.status, task.updated, task.revision,
                                         json.dumps(task.to_dict(), ensure_ascii=False)))

    def outbox_put(self, id: str, priority: int, topic: str, payload: bytes) -> WriteReceipt:
        """Queue a payload for HQ; lower ``priority`` goes first. A repeated id is ignored (False)."""
        return self._submit(_insert_outbox, (id, priority, topic, bytes(payload), utc_now()))

    def outbox_delete(self, id: str) -> WriteReceipt:
        """Drop an outbox entry once the far side acknowledged it; False if it was not there."""
        return self._submit(_delete_outbox, (id,))

    def outbox_mark_sent(self, ids: Sequence[str]) -> WriteReceipt:
        """Count one more send attempt for each of ``ids``; False if none is there any more."""
        return self._submit(_mark_outbox_sent, tuple(ids))

    def outbox_compact(self, priority: int, keep: int) -> WriteReceipt:
        """Drop all but the newest ``keep`` entries of each topic at ``priority``; False if none went."""
        return self._submit(_compact_outbox, (priority, keep))

    def choose_dispatch(self, stream: str, by: str = "") -> WriteReceipt:
        """Keep a stream chosen to go to HQ; False if it already was."""
        return self._submit(_choose_dispatch, (stream, utc_now(), by))

    def unchoose_dispatch(self, stream: str) -> WriteReceipt:
        """Forget a stream chosen to go to HQ; False if it was not chosen."""
        return self._submit(_unchoose_dispatch, (stream,))

    def on_settled(self, listener: Callable[[], None]) -> None:
        """Call ``listener()`` on the writer thread after every batch's receipts have settled.

        For a thread that polls receipts among other work (a bus holding acknowledgements
        until their writes commit): a wake-up instead of a poll. It must return at once.
        """
        self._settle_listeners.append(listener)

    def _submit(self, apply: Callable, row: tuple) -> WriteReceipt:
        receipt = WriteReceipt(self._settled)
        with self._wakeup:
            if self._closed:
                raise StoreError(f"the store {self.path} is closed; open a new Store to write")
            self._pending.append((apply, row, receipt))
            if len(self._pending) == 1:  # the writer waits only when nothing is pending
                self._wakeup.notify()
        return receipt

    # --- the writer thread -----------------------------------------------------------

    def _run_writer(self, ready: Future) -> None:
        """Body of ``store-writer``: open and migrate, then commit queued ops in batches."""
        try:
            conn = self._open_writer()
        except BaseException as exc:
            ready.set_exception(exc)
            return
        ready.set_result(None)
        try:
            while batch := self._next_batch():
                self._commit_when_room(conn, batch)
                for listener in self._settle_listeners:
                    try:
                        listener()
                    except Exception:  # a listener's bug must not stop the writes
                        log.exception("store %s: a listener of settled writes failed", self.path)
        finally:
            conn.close()

    def _commit_when_room(self, conn: sqlite3.Connection, batch: list[_Op]) -> None:
        """Writer thread: commit ``batch``; while the disk is full, hold its writes and try again.

        A write the gateway took is acknowledged to its sender already: failing it on a
        full disk would lose it. Held writes settle when space returns; on ``close`` they
        fail with a ``StoreError`` saying why.
        """
        full_since = None
        while batch:
            try:
                self._commit(conn, batch)
                break
            except _DiskFull as exc:
                batch = [op for op in batch if not op[2].done()]  # ops committed one by one stay committed
                if full_since is None:
                    full_since = time.monotonic()
                    log.error("store %s: the disk is full (%s); %d writes are held in memory and tried again "
                              "every %g s; free space on the disk that holds %s", self.path, exc.__cause__,
                              len(batch) + len(self._pending), DISK_FULL_RETRY_S, self.path.parent)
                with self._wakeup:
                    if self._wakeup.wait_for(lambda: self._closed, DISK_FULL_RETRY_S):
                        _fail(batch, StoreError(f"the store {self.path} closed while its disk was full; "
                                                f"{len(batch)} writes were not stored"), self._settled)
                        return
            except Exception as exc:  # e.g. ROLLBACK failing on a dying disk: keep serving
                log.exception("store %s: a batch of %d writes failed", self.path, len(batch))
                _fail(batch, exc, self._settled)
                return
        if full_since is not None:
            log.warning("store %s: the disk has room again; the writes held for %.0f s are stored", self.path,
                        time.monotonic() - full_since)

    def _next_batch(self) -> list[_Op]:
        """Writer thread: wait for ops and take up to ``MAX_BATCH_OPS``; empty once closed and drained."""
        with self._wakeup:
            while not self._pending and not self._closed:
                self._wakeup.wait()
            return [self._pending.popleft() for _ in range(min(len(self._pending), MAX_BATCH_OPS))]

    def _commit(self, conn: sqlite3.Connection, batch: list[_Op]) -> None:
        """Writer thread: apply ``batch`` in one transaction, commit, then settle its receipts.

        If an op fails, the batch is rolled back and each op retried in its own
        transaction, so one bad row fails only its own receipt.
        """
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            if _disk_full(exc):
                raise _DiskFull from exc
            _fail(batch, exc, self._settled)
            return
        try:
            results = _apply_all(conn, batch)
        except Exception as exc:
            conn.rollback()
            if _disk_full(exc):
                raise _DiskFull from exc
            if len(batch) == 1:
                _fail(batch, exc, self._settled)
            else:
                for op in batch:
                    self._commit(conn, [op])
            return
        try:
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            conn.rollback()
            if _disk_full(exc):
                raise _DiskFull from exc
            _fail(batch, exc, self._settled)
            return
        for (_, _, receipt), result in zip(batch, results):
            receipt.settle(result)
        with self._settled:
            self._settled.notify_all()

    def _open_writer(self) -> sqlite3.Connection:
        """Writer thread: open the connection this thread alone uses, set it up, migrate."""
        conn = None
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=True)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")  # WAL synced at every commit: durable when acked
            conn.execute("PRAGMA foreign_keys = ON")
            self._migrate(Database(conn))
            return conn
        except BaseException as exc:
            if conn is not None:
                conn.close()
            if isinstance(exc, sqlite3.Error):
                raise StoreError(_open_error(self.path, exc)) from exc
            raise

    def _migrate(self, db: Database) -> None:
        """Bring the schema up to ``len(MIGRATIONS)`` in one transaction, or refuse a newer one."""
        latest = len(MIGRATIONS)
        db.execute("BEGIN IMMEDIATE")
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > latest:
                raise StoreError(f"the store {self.path} was written by a newer mcv "
                                 f"(schema {version} > {latest}); upgrade mcv")
            for number in range(version + 1, latest + 1):
                MIGRATIONS[number - 1](db)
                db.execute(f"PRAGMA user_version = {number}")
            db.execute("COMMIT")
        except BaseException:
            db.rollback()
            raise

    # --- reads: caller's thread, own short-lived read-only connection -----------------

    def events_since(self, start: str | None = None, limit: int = 1000) -> list[Event]:
        """Log entries with ``ts >= start``, oldest first; the latest ``limit`` if there are more."""
        rows = self._query(
            f"SELECT {_EVENT_COLUMNS} FROM (SELECT rowid AS n, * FROM events WHERE ts >= ?"
            " ORDER BY ts DESC, n DESC LIMIT ?) ORDER BY ts, n", (_bound(start, _EARLIEST), limit))
        return [Event(**row) for row in rows]

    def search_events(self, query: str = "", *, category: str | None = None, severity: str | None = None,
                      limit: int = 500) -> list[Event]:
        """Entries whose text or category contains ``query`` (any language), newest ``limit``, oldest first.

        Three characters or more use the full-text index; shorter ones (two Chinese
        characters are a whole word) fall back to a scan, which the log's size allows.
        """
        where, params = ["1"], []
        query = query.strip()
        if len(query) >= 3:
            where.append("rowid IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?)")
            params.append('"' + query.replace('"', '""') + '"')
        elif query:
            escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            where.append("(text LIKE ? ESCAPE '\\' OR category LIKE ? ESCAPE '\\')")
            params += [f"%{escaped}%"] * 2
        for column, value in (("category", category), ("severity", severity)):
            if value:
                where.append(f"{column} = ?")
                params.append(value)
        rows = self._query(
            f"SELECT {_EVENT_COLUMNS} FROM (SELECT rowid AS n, * FROM events WHERE {' AND '.join(where)}"
            " ORDER BY ts DESC, n DESC LIMIT ?) ORDER BY ts, n", (*params, limit))
        return [Event(**row) for row in rows]

    def track(self, uid: str, start: str | None = None, end: str | None = None,
              limit: int = 1000) -> list[UnitState]:
        """A unit's positions with ``start <= ts <= end``, oldest first; the latest ``limit``."""
        rows = self._query(
            "SELECT state FROM (SELECT rowid AS n, ts, state FROM positions"
            " WHERE uid = ? AND ts >= ? AND ts <= ? ORDER BY ts DESC, n DESC LIMIT ?) ORDER BY ts, n",
            (uid, _bound(start, _EARLIEST), _bound(end, _LATEST), limit))
        return [UnitState.from_dict(json.loads(row["state"])) for row in rows]

    def units(self) -> list[UnitState]:
        """The latest known state of every unit, by uid."""
        rows = self._query("SELECT state FROM units ORDER BY uid")
        return [UnitState.from_dict(json.loads(row["state"])) for row in rows]

    def messages(self, since: str | None = None, limit: int = 1000) -> list[Message]:
        """Orders and messages with ``ts >= since``, oldest first; the latest ``limit``."""
        rows = self._query(
            "SELECT message FROM (SELECT rowid AS n, ts, message FROM messages WHERE ts >= ? AND message IS NOT NULL"
            " ORDER BY ts DESC, n DESC LIMIT ?) ORDER BY ts, n", (_bound(since, _EARLIEST), limit))
        return [Message.from_dict(json.loads(row["message"])) for row in rows]

    def message(self, id: str) -> Message | None:
        """One order or message as it now stands, or None."""
        rows = self._query("SELECT message FROM messages WHERE id = ? AND message IS NOT NULL", (id,))
        if not rows:
            return None
        message = Message.from_dict(json.loads(rows[0]["message"]))
        receipts = self._query("SELECT recipient, state FROM message_receipts WHERE message = ?"
                               " ORDER BY recipient LIMIT ?", (id, MAX_RECEIPTS))
        if not receipts:
            return message
        return dataclasses.replace(message, receipts=[[row["recipient"], row["state"]] for row in receipts])

    def alarms(self, state: str | None = "active") -> list[Alarm]:
        """Alarms in ``state`` (None: all), oldest first."""
        rows = self._query("SELECT alarm FROM alarms WHERE ? IS NULL OR state = ? ORDER BY ts", (state, state))
        return [Alarm.from_dict(json.loads(row["alarm"])) for row in rows]

    def tasks(self, status: str | None = None) -> list[Task]:
        """Tasks in ``status`` (None: all), oldest first."""
        rows = self._query("SELECT task FROM tasks WHERE ? IS NULL OR status = ? ORDER BY ts, id", (status, status))
        return [Task.from_dict(json.loads(row["task"])) for row in rows]

    def task(self, id: str) -> Task | None:
        """One task as it now stands, or None."""
        rows = self._query("SELECT task FROM tasks WHERE id = ?", (id,))
        return Task.from_dict(json.loads(rows[0]["task"])) if rows else None

    def dispatch_choices(self) -> list[str]:
        """The streams chosen to go to HQ, first chosen first."""
        return [row["stream"] for row in self._query("SELECT stream FROM dispatch_choices ORDER BY ts, stream")]

    def count(self, table: str) -> int:
        """Rows in one of ``TABLES``."""
        if table not in TABLES:
            raise ValueError(f"unknown table {table!r}; the store has {', '.join(TABLES)}")
        return self._query(f"SELECT count(*) AS n FROM {table}")[0]["n"]

    def outbox_peek(self, limit: int = 100, after: tuple[int, int] | None = None) -> list[tuple]:
        """The next outbox entries to send, by priority then age; with ``after=(priority, seq)``,
        only those that come after that entry.

        Each is ``(seq, id, priority, topic, payload, created, attempts)``.
        """
        where, params = ("WHERE (priority, seq) > (?, ?) ", (*after, limit)) if after else ("", (limit,))
        rows = self._query(
            "SELECT seq, id, priority, topic, payload, created, attempts FROM outbox "
            f"{where}ORDER BY priority, seq LIMIT ?", params)
        return [tuple(row.values()) for row in rows]

    def outbox_counts(self) -> dict[int, int]:
        """How many entries wait at each priority (priorities with none are left out)."""
        rows = self._query("SELECT priority, count(*) AS n FROM outbox GROUP BY priority ORDER BY priority")
        return {row["priority"]: row["n"] for row in rows}

    def _query(self, sql: str, params: Sequence = ()) -> list[dict]:
        if self._closed:
            raise StoreError(f"the store {self.path} is closed; open a new Store to read")
        try:
            conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
        except sqlite3.Error as exc:
            raise StoreError(_open_error(self.path, exc)) from exc
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            return list(Database(conn).query(sql, params))
        finally:
            conn.close()


def _apply_all(conn: sqlite3.Connection, batch: list[_Op]) -> list[bool]:
    """Writer thread: run a batch's ops in order, each run of one kind in one call."""
    results: list[bool] = []
    for apply, run in groupby(batch, key=itemgetter(0)):
        results += apply(conn, [op[1] for op in run])
    return results


def _fail(batch: list[_Op], exc: BaseException, settled: threading.Condition) -> None:
    """Writer thread: hand ``exc`` to every future of ``batch`` not yet resolved."""
    for _, _, receipt in batch:
        receipt.settle(False, exc)
    with settled:
        settled.notify_all()


def _disk_full(exc: BaseException) -> bool:
    """True for SQLite's "database or disk is full" (no space left on the disk of the store)."""
    return getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL


def _canonical_ts(ts: str) -> str:
    """``ts`` as the schema writes it, so that timestamps compare as text."""
    if len(ts) == 24 and ts[10] == "T" and ts[-1] == "Z":
        return ts
    return format_ts(parse_ts(ts))


def _bound(ts: str | None, open_end: str) -> str:
    """One end of a time range as text; ``None`` leaves that end open."""
    return _canonical_ts(ts) if ts else open_end


def _open_error(path: Path, exc: sqlite3.Error) -> str:
    """One sentence for a person: the file, what SQLite said, and what to do about it."""
    cause = str(exc)
    if "not a database" in cause:
        fix = "move the file aside or point mcv at another store path"
    elif "readonly" in cause or "unable to open" in cause:
        fix = "check that mcv may read and write the file and its folder"
    else:
        fix = "check the file and the disk it is on"
    return f"cannot open the store {path}: {cause}; {fix}"
