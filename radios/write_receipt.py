"""The promise of one store write: ``result()`` returns once its transaction has committed."""

from __future__ import annotations

import threading

_PENDING = object()


class WriteReceipt:
    """What a write method returns: True once committed, False if its id was already stored.

    A lighter stand-in for ``concurrent.futures.Future`` (one small object, and one
    condition shared by the whole store), because a busy gateway holds thousands at
    once and a Future costs a lock, a condition and a list each. Settled on the
    store's writer thread; waited on from any thread.
    """

    __slots__ = ("_settled", "_result", "_error")

    def __init__(self, settled: threading.Condition) -> None:
        self._settled = settled
        self._result: object = _PENDING
        self._error: BaseException | None = None

    def done(self) -> bool:
        return self._result is not _PENDING

    def result(self, timeout: float | None = None) -> bool:
        """Wait for the commit; raise the write's error, or ``TimeoutError`` after ``timeout`` s."""
        if self._result is _PENDING:
            with self._settled:
                if not self._settled.wait_for(self.done, timeout):
                    raise TimeoutError("the store has not committed this write yet")
        if self._error is not None:
            raise self._error
        return bool(self._result)

    def settle(self, result: bool, error: BaseException | None = None) -> None:
        """Writer thread: record the outcome; the store then wakes every waiter at once."""
        if self._result is _PENDING:
            self._error = error
            self._result = result
