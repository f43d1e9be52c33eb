"""What every link that reads on its own thread shares: the thread, and the state it reports."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from radios.config import LinkConfig
from radios.input_guard import BadInputLog
from radios.link import LinkDecision, LinkPolicyState, LinkStatePolicy, LinkStatus


class LinkThread:
    """Start and stop of a link's reader thread (``{THREAD_NAME}-{link id}``), and its status.

    A subclass calls ``_init_link(...)`` first in its constructor, implements ``_run``
    (returning once ``_stopping`` is set) and ``_describe`` (the words for a new state),
    and feeds what happens to ``_feed``.
    """

    THREAD_NAME = "link"
    STOP_JOIN_S = 2.0

    def _init_link(self, config: LinkConfig, on_status: Callable[[LinkStatus], None] | None,
                   policy: LinkStatePolicy, bad_input: BadInputLog) -> None:
        """The state every link keeps; ``_lock`` guards the counters, ``_detail`` and ``_phase``."""
        self.config = config
        self._on_status = on_status or (lambda status: None)
        self._policy = policy
        self._bad_input = bad_input
        self._source = f"link/{config.id}"
        self._lock = threading.Lock()
        self._phase: LinkPolicyState = policy.initial(time.monotonic())
        self._detail = f"opening {config.url}"
        self._counts = {"bytes_in": 0, "bytes_out": 0, "messages_in": 0, "messages_out": 0, "errors": 0}
        self._last_seen: float | None = None
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

    @property
    def is_open(self) -> bool:
        """Whether the port or socket is open right now (any thread)."""
        with self._lock:
            return self._phase.is_open

    def status(self) -> LinkStatus:
        """A snapshot of state and counters (any thread)."""
        with self._lock:
            return LinkStatus(link=self.config.id, link_type=self.config.type, state=self._phase.state,
                              detail=self._detail, last_seen=self._last_seen, **self._counts)

    def _reject(self, reason: str) -> None:
        """Reader thread: count one piece of bad input against the link, and log it once per source."""
        self._bad_input.reject(self._source, reason)
        with self._lock:
            self._counts["errors"] += 1
        self._feed("bad_data")

    def _feed(self, event: str, detail: str | None = None, count: int = 1) -> None:
        """Reader thread: run the policy on one event; tell ``on_status`` when the state changed."""
        decision: LinkDecision = self._policy.decide(self._phase, event, time.monotonic(), count)
        with self._lock:
            self._phase = decision.state
            if detail is not None:
                self._detail = detail
            if decision.changed:
                self._detail = self._describe(decision.state, self._detail)
        if decision.changed:
            self._on_status(self.status())

    def _run(self) -> None:
        raise NotImplementedError

    def _describe(self, phase: LinkPolicyState, detail: str) -> str:
        """The words people read for the link's new state; ``detail`` is what happened."""
        raise NotImplementedError
