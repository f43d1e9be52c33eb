"""The comms seat's hands on the gateway's links: enable, disable, reconnect, another port, and a raw tap.

A seat sends a ``LinkCommand`` on ``cmd/link``; ``LinkControl.answer`` runs it on the
gateway's bus thread and replies with a ``CommandReply``. Every change restarts the
link's worker with a new frozen ``LinkConfig`` (a worker never sees its settings change
under it), retains the link's new state and is written to the incident log. A new port
lives until the gateway restarts: the TOML file stays as the technician's colleague
wrote it, and the event in the log says what was changed and by whom.

It also keeps ``serial_ports`` retained (what pyserial finds on the gateway's machine,
for the seat's port picker) and, while a seat watches a link, copies the link's raw
frames to ``raw/{link}`` in small batches (``TrafficTap``).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from collections.abc import Callable

from radios.config import LinkConfig, mask_url
from radios.link import LinkStatus
from radios.schema import (
    CommandReply, Event, LinkCommand, LinkTraffic, PayloadError, SerialPorts, Topics, decode,
)

log = logging.getLogger(__name__)

# Links whose worker can be swapped alone; the others are tied into a bridge or a fallback at start.
RESTARTABLE_TYPES = ("serial", "mqtt", "mavlink")
PORT_TYPES = ("serial", "mavlink")  # links that read a serial port, so a port picker makes sense
PORTS_EVERY_S = 5.0      # how often the port list is looked at again
WATCH_S = 60.0           # a seat's watch of a link's raw frames lasts this long unless renewed
TAP_BATCH_S = 0.2        # raw frames gather this long before they go out together
TAP_MAX_FRAMES = 200     # past this many frames in one batch, the rest are counted, not sent
MAX_FRAME_BYTES = 4096

Publish = Callable[..., object]


def list_serial_ports() -> list[dict[str, str]]:
    """The serial ports this machine has now, by device path (pyserial's ``list_ports``)."""
    from serial.tools import list_ports

    ports = [{"device": p.device, "description": (p.description or "")[:256], "hwid": (p.hwid or "")[:256]}
             for p in list_ports.comports()]
    return sorted(ports, key=lambda port: port["device"])


class TrafficTap:
    """Raw frames of watched links, published in batches on ``raw/{link}``.

    ``watch`` is called on the bus thread, ``frame`` on a link's reader thread, ``flush``
    on the heartbeat thread; a lock guards the watches and the batches.
    """

    def __init__(self, topics: Topics, publish: Publish, src: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.topics = topics
        self.publish = publish
        self.src = src
        self.skipped = 0  # frames past TAP_MAX_FRAMES in a batch
        self._clock = clock
        self._lock = threading.Lock()
        self._until: dict[str, float] = {}
        self._batches: dict[str, tuple[float, list[list[str]]]] = {}

    def watch(self, link_id: str, seconds: float = WATCH_S) -> None:
        with self._lock:
            self._until[link_id] = self._clock() + seconds

    def watching(self, link_id: str) -> bool:
        until = self._until.get(link_id)
        return until is not None and until > self._clock()

    def frame(self, link_id: str, data: bytes, direction: str = "in") -> None:
        """Reader thread of a link: keep one frame if a seat watches the link; send a batch that is due."""
        if not self.watching(link_id):
            return
        now = self._clock()
        with self._lock:
            started, frames = self._batches.setdefault(link_id, (now, []))
            if len(frames) < TAP_MAX_FRAMES:
                frames.append([direction, bytes(data[:MAX_FRAME_BYTES]).hex()])
            else:
                self.skipped += 1
            due = now - started >= TAP_BATCH_S
            if due:
                del self._batches[link_id]
        if due:
            self._send(link_id, frames)

    def flush(self) -> None:
        """Heartbeat thread: send what waited, and forget watches that ran out."""
        now = self._clock()
        with self._lock:
            batches, self._batches = self._batches, {}
            self._until = {link: until for link, until in self._until.items() if until > now}
        for link_id, (_, frames) in batches.items():
            self._send(link_id, frames)

    def _send(self, link_id: str, frames: list[list[str]]) -> None:
        traffic = LinkTraffic.create(self.src, link=link_id, frames=frames)
        self.publish(self.topics.link_traffic(link_id), traffic.encode(), qos=0)


class LinkControl:
    """Runs seats' link commands against the gateway's links, and keeps the port list retained.

    ``gateway`` is the composition root, which builds links (``_add_link``); the heartbeat
    copies its ``links`` and ``_idle_links`` maps before going through them, so commands
    may change them meanwhile.
    """

    def __init__(self, gateway, src: str) -> None:
        self.gateway = gateway
        self.src = src
        self.configs: dict[str, LinkConfig] = {link.id: link for link in gateway.config.links}
        self.tap = TrafficTap(gateway.topics, gateway.bus.publish, src)
        self._ports: list[dict[str, str]] | None = None
        self._ports_at = float("-inf")
        self._lock = threading.Lock()  # one command at a time

    # -- bus thread ------------------------------------------------------------------

    def answer(self, raw: bytes) -> bytes:
        """Bus thread: one ``cmd/link`` request, answered with a ``CommandReply``."""
        try:
            command = decode(raw, LinkCommand)
        except PayloadError as exc:
            self.gateway.bad_input.reject("cmd/link", str(exc))
            return CommandReply.create(self.src, request="", ok=False, error=str(exc)).encode()
        try:
            with self._lock:
                item = self._run(command)
        except ValueError as exc:
            return CommandReply.create(self.src, request=command.id, ok=False, error=str(exc)).encode()
        return CommandReply.create(self.src, request=command.id, ok=True, item=item).encode()

    def _run(self, command: LinkCommand) -> dict:
        config = self.configs.get(command.link)
        if config is None:
            raise ValueError(f"the gateway has no link {command.link!r}; pick one of {', '.join(self.configs)}")
        if command.action == "watch":
            self.tap.watch(config.id)
            return {"link": config.id, "watching_s": WATCH_S}
        if config.type not in RESTARTABLE_TYPES:
            raise ValueError(f"link {config.id} ({config.type}) is tied to the gateway's start; "
                             "change it in the config file and restart the gateway")
        if command.action == "set_url":
            if config.type not in PORT_TYPES:
                raise ValueError(f"link {config.id} is {config.type}, not a serial port; change its url in the config")
            new = dataclasses.replace(config, url=command.url.strip())
            text = f"Link {config.id} moved from {mask_url(config.url)} to {mask_url(new.url)} by {command.seat}"
        elif command.action == "enable":
            new = dataclasses.replace(config, enabled=True)
            text = f"Link {config.id} enabled by {command.seat}"
        elif command.action == "disable":
            new = dataclasses.replace(config, enabled=False)
            text = f"Link {config.id} disabled by {command.seat}"
        else:
            new = config
            text = f"Link {config.id} reconnected by {command.seat}"
        self._restart(config, new, by=command.seat)
        self.gateway.record(Event.create(self.src, category="link", text=text, seat=command.seat))
        return {"link": new.id, "url": mask_url(new.url), "enabled": new.enabled}

    def _restart(self, old: LinkConfig, new: LinkConfig, by: str) -> None:
        """Bus thread: stop the running worker, if any, and start one with the new snapshot."""
        gateway = self.gateway
        running = gateway.links.pop(old.id, None)
        if running is not None:
            running.stop()
        self.configs[new.id] = new
        gateway._idle_links.pop(new.id, None)
        if new.enabled:
            gateway._add_link(new)  # a worker if the gateway speaks the link's profile, else an idle status
        else:
            gateway._idle_links[new.id] = LinkStatus(link=new.id, link_type=new.type, state="disabled",
                                                     detail=f"disabled by {by}")
        started = gateway.links.get(new.id)
        if started is not None:
            started.start()
        status = started.status() if started is not None else gateway._idle_links[new.id]
        gateway.bus.publish(gateway.topics.link(new.id), status.to_link_state(self.src).encode(), retain=True)

    # -- heartbeat thread ------------------------------------------------------------

    def publish_ports(self, force: bool = False) -> None:
        """Heartbeat or bus thread: retain the port list when it changed (looked at every ``PORTS_EVERY_S``)."""
        now = time.monotonic()
        if not force and now - self._ports_at < PORTS_EVERY_S:
            return
        self._ports_at = now
        try:
            ports = list_serial_ports()
        except OSError as exc:
            log.warning("cannot list serial ports: %s", exc)
            return
        if ports == self._ports and not force:
            return
        self._ports = ports
        payload = SerialPorts.create(self.src, ports=ports)
        self.gateway.bus.publish(self.gateway.topics.serial_ports, payload.encode(), qos=1, retain=True)
