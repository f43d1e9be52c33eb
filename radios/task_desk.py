"""The gateway's task desk: units assigned to a search area, an evacuation point or a checkpoint.

A seat sends a ``TaskUpdate`` on ``cmd/task``; the desk works out the task's next
revision (``apply_update``, a pure function that refuses what makes no sense with a
``TaskError`` saying why), stores it, logs the change in the incident log and retains
the task on ``task/{id}`` so every seat sees the same list. The desk is the only
writer of tasks, and its requests run one at a time on the bus thread.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Collection
from datetime import datetime, timedelta, timezone

from radios.desk import GatewayDesk
from radios.schema import (
    TASK_CLOSED_STATES, CommandReply, Event, PayloadError, Task, TaskUpdate, decode, format_ts, utc_now,
)

log = logging.getLogger(__name__)

SRC = "gateway"
STORE_TIMEOUT_S = 10.0
REPUBLISH_CLOSED_HOURS = 24  # after a reconnect, closed tasks of this many hours are retained again with the open ones
KIND_WORDS = {"search_area": "search area", "evacuation_point": "evacuation point", "checkpoint": "checkpoint"}


class TaskError(ValueError):
    """A task change that cannot be made; the message says what is wrong and what to do."""


def apply_update(current: Task | None, update: TaskUpdate, known_units: Collection[str], now: str) -> Task:
    """The task after ``update``: a new task when ``current`` is None, else its next revision.

    Returns ``current`` itself when the update changes nothing. Units a task did not
    have must be in ``known_units``. Assigning units to an open task makes it assigned;
    taking every unit off an assigned task opens it again, unless the update sets a status.
    """
    units = list(update.units) if update.units is not None else list(current.units if current else [])
    unknown = [uid for uid in units if uid not in known_units and (current is None or uid not in current.units)]
    if unknown:
        raise TaskError(f"no unit {', '.join(unknown)} is known to the gateway; assign units that report positions")
    if current is None:
        return _created(update, units, now)
    if update.task_kind is not None and update.task_kind != current.task_kind:
        raise TaskError(f"task {current.id} is a {KIND_WORDS[current.task_kind]} and stays one; "
                        "cancel it and create a new task instead")
    lat, lon, area = current.lat, current.lon, current.area
    if current.task_kind == "search_area":
        if update.area:
            area = update.area
            lat, lon = area_centre(area)
        elif update.lat is not None:
            raise TaskError("a search area moves by its corners; send area, not lat and lon")
    else:
        if update.area:
            raise TaskError(f"a {KIND_WORDS[current.task_kind]} is a point; send lat and lon, not an area")
        if update.lat is not None:
            lat, lon = update.lat, update.lon
    if set(units) == set(current.units):
        units = current.units  # the same units in another order are no change
    status = update.status or _status_for(current.status, current.units, units)
    changed = dataclasses.replace(current, title=update.title if update.title is not None else current.title,
                                  lat=lat, lon=lon, area=area, units=units, status=status)
    if changed == current:
        return current
    return dataclasses.replace(changed, updated=now, updated_by=update.seat, revision=current.revision + 1)


def _created(update: TaskUpdate, units: list[str], now: str) -> Task:
    if update.task_kind is None or update.title is None:
        raise TaskError(f"task {update.task} is new: give it a task_kind and a title")
    if update.task_kind == "search_area":
        if not update.area:
            raise TaskError("a new search area needs its corners: pick at least three points on the map")
        lat, lon = area_centre(update.area)
    else:
        if update.lat is None:
            raise TaskError(f"a new {KIND_WORDS[update.task_kind]} needs its place: pick it on the map")
        lat, lon = update.lat, update.lon
    try:
        return Task(id=update.task, ts=now, src=update.src, task_kind=update.task_kind, title=update.title,
                    lat=lat, lon=lon, area=list(update.area or []), units=units,
                    status=update.status or ("assigned" if units else "open"), seat=update.seat, updated=now,
                    updated_by=update.seat)
    except PayloadError as exc:
        raise TaskError(str(exc)) from exc


def _status_for(status: str, before: list[str], after: list[str]) -> str:
    if status == "open" and after and not before:
        return "assigned"
    if status == "assigned" and before and not after:
        return "open"
    return status


def area_centre(area: list) -> tuple[float, float]:
    """The ``(lat, lon)`` in the middle of an area's corners (their bounding box's centre)."""
    lons, lats = [c[0] for c in area], [c[1] for c in area]
    return (min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2


def describe_change(before: Task | None, after: Task) -> str:
    """The incident log's words for one change (English, as the gateway's other entries)."""
    name = f"{KIND_WORDS[after.task_kind]} \u201c{after.title}\u201d"
    if before is None:
        units = f", units {', '.join(after.units)}" if after.units else ""
        return f"Task created: {name}, {_status_word(after.status)}{units}"
    parts = []
    if after.title != before.title:
        parts.append(f"renamed from \u201c{before.title}\u201d")
    if (after.lat, after.lon, after.area) != (before.lat, before.lon, before.area):
        parts.append("moved")
    added = [uid for uid in after.units if uid not in before.units]
    removed = [uid for uid in before.units if uid not in after.units]
    if added:
        parts.append(f"assigned {', '.join(added)}")
    if removed:
        parts.append(f"released {', '.join(removed)}")
    if after.status != before.status:
        parts.append(f"now {_status_word(after.status)}")
    return f"Task {name}: {'; '.join(parts) or 'changed'}"


def _status_word(status: str) -> str:
    return status.replace("_", " ")


class TaskDesk(GatewayDesk):
    """Creates, changes and shows tasks for the gateway; bus callbacks run on the bus thread."""

    def start(self) -> None:
        """Answer the seats' task changes (before the bus starts)."""
        self.bus.serve(self.topics.command("task"), self._answer_update)

    def republish(self) -> None:
        """Retain the open and recently closed tasks again: after a reconnect, the broker may have lost them."""
        since = format_ts(datetime.now(timezone.utc) - timedelta(hours=REPUBLISH_CLOSED_HOURS))
        for task in self.store.tasks():
            if task.status not in TASK_CLOSED_STATES or (task.updated or task.ts) >= since:
                self._show(task)

    def apply(self, update: TaskUpdate) -> Task:
        """Store, log and show one change (any thread, one at a time); the task as it now stands.

        Raises ``TaskError`` when the change is refused; nothing is stored then.
        """
        current = self.store.task(update.task)
        known = {unit.uid for unit in self.store.units()}
        task = apply_update(current, update, known, utc_now())
        if task is current:
            return task
        if not self.store.put_task(task).result(timeout=STORE_TIMEOUT_S):
            raise TaskError(f"task {task.id} changed meanwhile; look at it again and repeat the change")
        log.info("task %s revision %d: %s", task.id, task.revision, task.status)
        self.record(Event.create(SRC, category="task", seat=update.seat, lat=task.lat, lon=task.lon,
                                 unit=task.units[0] if len(task.units) == 1 else None,
                                 text=describe_change(current, task)))
        self._show(task)
        return task

    def _answer_update(self, raw: bytes) -> bytes:
        """Bus thread: a seat's change; the answer is the task as stored, or why it was refused."""
        try:
            update = decode(raw, TaskUpdate)
        except PayloadError as exc:
            self.bad_input.reject("cmd/task", str(exc))
            return CommandReply.create(SRC, request="", ok=False, error=f"task update refused: {exc}").encode()
        try:
            task = self.apply(update)
        except TaskError as exc:
            log.info("task update %s from %s refused: %s", update.id, update.seat, exc)
            return CommandReply.create(SRC, request=update.id, ok=False, error=str(exc)).encode()
        return CommandReply.create(SRC, request=update.id, ok=True, item=task.to_dict()).encode()

    def _show(self, task: Task) -> None:
        self.bus.publish(self.topics.task(task.id), task.encode(), qos=1, retain=True)
