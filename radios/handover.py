"""What a shift hands over: the alarms, tasks and orders still open, worked out from the store; no Qt.

``open_items`` is a pure function of what the store holds; ``summarize`` reads a
``Store`` for it. The gateway's duty desk logs the summary's ``describe()`` with each
shift start, end and handover, and sends ``to_dict()`` to the seat that asked, whose
handover dialog reads it back with ``from_dict`` (bus input: anything unreadable is
skipped, never fatal).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from radios.schema import TASK_CLOSED_STATES, Alarm, Message, PayloadError, Task

ORDER_PENDING_STATES = ("queued", "sent", "failed")  # an order not yet delivered to its recipient
MAX_LISTED = 50  # per kind in a reply: the counts stay exact, the lists keep a bus payload small
MAX_DESCRIBED = 10  # per kind in a log entry's text
MAX_MESSAGES_READ = 10000
TEXT_PREVIEW_CHARS = 80
KINDS = ("alarms", "tasks", "orders")


@dataclass(frozen=True)
class HandoverSummary:
    """What is still open: active alarms, tasks neither done nor cancelled, orders not yet delivered.

    ``totals`` holds the real counts when the lists were cut short for the bus.
    """

    alarms: tuple[Alarm, ...] = ()
    tasks: tuple[Task, ...] = ()
    orders: tuple[Message, ...] = ()
    totals: Mapping[str, int] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        return {kind: max(len(getattr(self, kind)), self.totals.get(kind, 0)) for kind in KINDS}

    @property
    def is_clear(self) -> bool:
        return not any(self.counts.values())

    def to_dict(self, limit: int = MAX_LISTED) -> dict:
        """The summary as a command reply's ``item``: each list cut at ``limit``, the counts whole."""
        return {**{kind: [item.to_dict() for item in getattr(self, kind)[:limit]] for kind in KINDS},
                "counts": self.counts}

    @classmethod
    def from_dict(cls, data: object) -> HandoverSummary:
        """Read a summary from the bus; items that do not validate are left out."""
        if not isinstance(data, Mapping):
            raise PayloadError("a handover summary is a JSON object")
        lists = {}
        for kind, payload in (("alarms", Alarm), ("tasks", Task), ("orders", Message)):
            items = data.get(kind)
            lists[kind] = tuple(_valid(payload, items if isinstance(items, list) else []))
        counts = data.get("counts")
        totals = {kind: counts[kind] for kind in KINDS
                  if isinstance(counts, Mapping) and type(counts.get(kind)) is int and 0 <= counts[kind] < 10**9}
        return cls(**lists, totals=totals)

    def describe(self) -> str:
        """One paragraph for the incident log (English, as the gateway's other entries)."""
        counts = self.counts
        if self.is_clear:
            return "Nothing open: no active alarms, open tasks or undelivered orders."
        lines = [f"Still open: {counts['alarms']} alarm(s), {counts['tasks']} task(s), "
                 f"{counts['orders']} undelivered order(s)."]
        lines += [f"- Alarm {a.alarm_kind.upper()}{f' ({a.unit})' if a.unit else ''}: {_short(a.text)}"
                  for a in self.alarms[:MAX_DESCRIBED]]
        lines += [f"- Task \u201c{_short(t.title)}\u201d: {t.status.replace('_', ' ')}"
                  + (f", units {', '.join(t.units)}" if t.units else ", no units") for t in self.tasks[:MAX_DESCRIBED]]
        lines += [f"- Order to {m.to} ({m.state}): {_short(m.text)}" for m in self.orders[:MAX_DESCRIBED]]
        hidden = sum(counts.values()) - sum(min(len(getattr(self, k)), MAX_DESCRIBED) for k in KINDS)
        if hidden > 0:
            lines.append(f"- and {hidden} more")
        return "\n".join(lines)


def open_items(alarms: Iterable[Alarm], tasks: Iterable[Task], messages: Iterable[Message]) -> HandoverSummary:
    """The alarms, tasks and orders among these that a shift hands over, each oldest first."""
    return HandoverSummary(
        alarms=tuple(sorted((a for a in alarms if a.state == "active"), key=lambda a: a.ts)),
        tasks=tuple(sorted((t for t in tasks if t.status not in TASK_CLOSED_STATES), key=lambda t: t.ts)),
        orders=tuple(sorted((m for m in messages if is_undelivered_order(m)), key=lambda m: m.ts)),
    )


def summarize(store) -> HandoverSummary:
    """What is open now in ``store`` (a ``Store``); any thread."""
    return open_items(store.alarms("active"), store.tasks(), store.messages(None, limit=MAX_MESSAGES_READ))


def is_undelivered_order(message: Message) -> bool:
    """An order a seat sent that its recipient has not yet reported delivered (HQ's orders arrive delivered)."""
    return message.category == "order" and message.via != "hq" and message.state in ORDER_PENDING_STATES


def _valid(payload: type, items: list) -> list:
    found = []
    for item in items:
        try:
            found.append(payload.from_dict(item))
        except (PayloadError, TypeError, ValueError):
            continue
    return found


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TEXT_PREVIEW_CHARS else text[:TEXT_PREVIEW_CHARS - 1] + "…"
