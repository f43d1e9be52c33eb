"""Write to a Store as fast as it acknowledges, printing each acknowledged id (run by test_store).

Usage: ``python store_burst.py DB_PATH``. Every write is submitted through ``Store`` and,
once its future has resolved (the write is committed), its id is printed on its own line
as ``event ID`` or ``unit ID`` and stdout is flushed. About 64 writes are in flight at any
time, so the group commit is exercised. Runs until killed, or for at most 60 seconds.
"""

from __future__ import annotations

import sys
import time
from collections import deque
from pathlib import Path

from radios.schema import Event, UnitState
from radios.store import Store

IN_FLIGHT = 64
MAX_SECONDS = 60


def main(path: Path) -> None:
    pending: deque = deque()
    deadline = time.monotonic() + MAX_SECONDS
    with Store(path) as store:
        n = 0
        while time.monotonic() < deadline:
            while len(pending) < IN_FLIGHT:
                n += 1
                if n % 10:
                    event = Event.create("burst", category="test", text=f"burst write {n}")
                    pending.append(("event", event.id, store.add_event(event)))
                else:
                    state = UnitState.create("burst", uid="u1", unit_kind="drone", callsign="D1",
                                             lat=48.0 + n * 1e-6, lon=11.0)
                    pending.append(("unit", state.id, store.add_unit_state(state)))
            kind, payload_id, future = pending.popleft()
            future.result()
            print(kind, payload_id, flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
