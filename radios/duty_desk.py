"""The gateway's duty desk: shift start and end and handovers, each logged with what is still open.

A seat sends a ``DutyEntry`` on ``cmd/duty``. The desk works out what the shift hands
over from the store (``radios.handover.summarize``: active alarms, tasks not done or
cancelled, orders not delivered) and, unless the seat only asked for that summary,
appends one entry of category ``duty`` to the incident log holding the notes and the
summary. The log stays append-only: a shift's record is never changed afterwards.
The entry takes the request's id, so a resent request is logged once.
"""

from __future__ import annotations

import logging

from radios.desk import GatewayDesk
from radios.handover import HandoverSummary, summarize
from radios.schema import MAX_TEXT_CHARS, CommandReply, DutyEntry, Event, PayloadError, decode, utc_now

SRC = "gateway"
DUTY_CATEGORY = "duty"

log = logging.getLogger(__name__)


def duty_text(entry: DutyEntry, summary: HandoverSummary) -> str:
    """The log entry for a shift start, shift end or handover: who, the notes, then what is open."""
    person = entry.person.strip() or f"the {entry.seat} seat"
    head = {
        "shift_start": f"Shift started: {person} on duty at the {entry.seat} seat.",
        "shift_end": f"Shift ended: {person} off duty at the {entry.seat} seat.",
        "handover": f"Handover at the {entry.seat} seat from {person} to "
                    f"{entry.next_person.strip() or 'the next shift'}.",
    }[entry.action]
    notes = entry.notes.strip()
    text = "\n".join([head, *([f"Notes: {notes}"] if notes else []), summary.describe()])
    return text if len(text) <= MAX_TEXT_CHARS else text[:MAX_TEXT_CHARS - 1] + "…"


class DutyDesk(GatewayDesk):
    """Answers the seats' duty entries from the store; bus callbacks run on the bus thread."""

    def start(self) -> None:
        """Answer the seats' duty entries (before the bus starts)."""
        self.bus.serve(self.topics.command("duty"), self._answer_entry)

    def log_entry(self, entry: DutyEntry) -> tuple[HandoverSummary, Event | None]:
        """What is open now and, unless ``entry`` only asks for that, the log entry made of it (any thread)."""
        summary = summarize(self.store)
        if entry.action == "summary":
            return summary, None
        event = Event(id=entry.id, ts=utc_now(), src=SRC, category=DUTY_CATEGORY, seat=entry.seat,
                      severity="info", text=duty_text(entry, summary))
        self.record(event)
        log.info("duty: %s at the %s seat, %d item(s) open", entry.action, entry.seat, sum(summary.counts.values()))
        return summary, event

    def _answer_entry(self, raw: bytes) -> bytes:
        """Bus thread: a seat's duty entry; the answer carries the summary (and the log entry's id)."""
        try:
            entry = decode(raw, DutyEntry)
        except PayloadError as exc:
            self.bad_input.reject("cmd/duty", str(exc))
            return CommandReply.create(SRC, request="", ok=False, error=f"duty entry refused: {exc}").encode()
        summary, event = self.log_entry(entry)
        item = {**summary.to_dict(), "event": event.id if event else None}
        return CommandReply.create(SRC, request=entry.id, ok=True, item=item).encode()
