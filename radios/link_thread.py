"""The one thread a link reads on: started once, stopped and joined, for every kind of link."""

from __future__ import annotations

import threading

from radios.config import LinkConfig


class LinkThread:
    """Start and stop of a link's reader thread, named ``{THREAD_NAME}-{link id}``.

    A subclass keeps its ``config``, calls ``_init_thread()`` in its constructor and
    implements ``_run``, which returns once ``_stopping`` is set.
    """

    THREAD_NAME = "link"
    STOP_JOIN_S = 2.0
    config: LinkConfig

    def _init_thread(self) -> None:
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def id(self) -> str:
        return self.config.id

    def start(self) -> None:
        """Start the reader thread; it opens the link at once and keeps it open until ``stop``."""
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name=f"{self.THREAD_NAME}-{self.config.id}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop reading, close the link and join the reader thread (at most ``STOP_JOIN_S``)."""
        self._stopping.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(self.STOP_JOIN_S)

    def _run(self) -> None:
        raise NotImplementedError
