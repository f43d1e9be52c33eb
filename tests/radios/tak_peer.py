"""TAK peers for tests: pytak as a real TAK client (send and receive), a small relaying TAK server, CoT samples.

Everything binds and sends on 127.0.0.1 only. pytak runs on the calling thread in its own
asyncio loop, so it leaves no thread behind; ``TakServer`` owns one thread, stopped when its ``with`` block ends.
"""

from __future__ import annotations

import asyncio
import selectors
import socket
import threading
import warnings

with warnings.catch_warnings():  # pytak warns that its optional TLS and HTTP extras are missing
    warnings.simplefilter("ignore")
    import pytak

LOOPBACK = "127.0.0.1"

# Samples as ATAK sends them, and hostile XML.
ATAK_SA = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<event version="2.0" uid="ANDROID-359975090666199" type="a-f-G-U-C" how="m-g" time="2026-11-29T10:00:00.000Z"
 start="2026-11-29T10:00:00.000Z" stale="2026-11-29T10:06:00.000Z">
 <point lat="30.2741" lon="120.1551" hae="21.5" ce="4.9" le="9999999.0"/>
 <detail><contact endpoint="*:-1:stcp" callsign="ALPHA-1"/><__group name="Cyan" role="Team Lead"/>
 <track speed="1.5" course="271.0"/><status battery="88"/>
 <__video url="rtsp://192.168.10.40:8554/alpha"/></detail></event>"""

CHAT = b"""<event version="2.0" uid="GeoChat.ANDROID-1.All Chat Rooms.42" type="b-t-f" how="h-g-i-g-o"
 time="2026-11-29T10:00:00Z" start="2026-11-29T10:00:00Z" stale="2026-11-30T10:00:00Z">
 <point lat="30.27" lon="120.15" hae="0" ce="9999999" le="9999999"/>
 <detail><__chat parent="RootContactGroup" chatroom="All Chat Rooms" id="All Chat Rooms" senderCallsign="ALPHA-1">
 <chatgrp uid0="ANDROID-1" uid1="All Chat Rooms" id="All Chat Rooms"/></__chat>
 <link uid="ANDROID-1" type="a-f-G-U-C" relation="p-p"/>
 <remarks source="BAO.F.ATAK.ANDROID-1" to="All Chat Rooms">Water rising at the &lt;east&gt; gate</remarks>
 </detail></event>"""

EMERGENCY = b"""<event version="2.0" uid="ANDROID-1-9-1-1" type="b-a-o-tbl" how="h-e"
 time="2026-11-29T10:00:00Z" start="2026-11-29T10:00:00Z" stale="2026-11-29T10:00:20Z">
 <point lat="30.27" lon="120.15" hae="0" ce="9999999" le="9999999"/>
 <detail><link uid="ANDROID-1" type="a-f-G-U-C" relation="p-p"/><contact callsign="ALPHA-1-Alert"/>
 <emergency type="911 Alert">ALPHA-1</emergency></detail></event>"""

BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                             for i in range(1, 10))
                  + b']><event uid="x" type="a-f-G" time="t" start="t" stale="t"><point lat="0" lon="0"/>'
                  + b"<detail><remarks>&lol9;</remarks></detail></event>")
EXTERNAL_ENTITY = (b'<?xml version="1.0"?><!DOCTYPE event [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                   b'<event uid="x" type="a-f-G" time="t" start="t" stale="t"><point lat="0" lon="0"/>'
                   b"<detail><contact callsign=\"&xxe;\"/></detail></event>")
EXTERNAL_DTD = b'<?xml version="1.0"?><!DOCTYPE event SYSTEM "http://127.0.0.1:1/evil.dtd"><event/>'


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def _config(url: str, protobuf: bool) -> dict[str, str]:
    return {"COT_URL": url, "TAK_PROTO": "1" if protobuf else "0", "PYTAK_NO_HELLO": "1",
            "PYTAK_MULTICAST_LOCAL_ADDR": LOOPBACK, "PYTAK_MULTICAST_TTL": "0"}


def pytak_send(url: str, events: list[bytes], protobuf: bool = False) -> None:
    """Send CoT XML events the way a pytak client does (``udp+wo://``, ``tcp://``), then close."""
    async def run() -> None:
        config = _config(url, protobuf)
        reader, writer = await pytak.protocol_factory(config)
        sender = pytak.TXWorker(asyncio.Queue(), config, writer)
        for event in events:
            await sender.send_data(event)
        await asyncio.sleep(0.05)  # let the last TCP bytes leave before the close
        writer.close()
        if hasattr(writer, "wait_closed"):
            await writer.wait_closed()
        if reader is not None and hasattr(reader, "close"):
            reader.close()

    asyncio.run(run())


def pytak_receive(url: str, wanted, timeout_s: float = 10.0) -> list[bytes]:
    """Read CoT with pytak's own receiver until ``wanted(data)`` is true or the time is up; all data read."""
    async def run() -> list[bytes]:
        config = _config(url, False)
        reader, writer = await pytak.protocol_factory(config)
        receiver = pytak.RXWorker(asyncio.Queue(), config, reader)
        got: list[bytes] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        try:
            while loop.time() < deadline:
                try:
                    data = await asyncio.wait_for(receiver.readcot(), deadline - loop.time())
                except asyncio.TimeoutError:
                    break
                if data:
                    got.append(bytes(data))
                    if wanted(bytes(data)):
                        break
        finally:
            for end in (writer, reader):
                if end is not None and hasattr(end, "close"):
                    end.close()
            if writer is not None and hasattr(writer, "wait_closed"):
                await writer.wait_closed()
        return got

    return asyncio.run(run())


class TakServer:
    """A TAK server as far as a client can tell: accepts TCP clients and relays each one's bytes to the others.

    ``inject(data)`` sends bytes to every client (hostile input, for tests); ``drop_clients``
    closes every connection, as a server restart would. One thread, "tak-server".
    """

    def __init__(self) -> None:
        self._listener = socket.create_server((LOOPBACK, 0))
        self._listener.setblocking(False)
        self.port = self._listener.getsockname()[1]
        self.url = f"tcp://{LOOPBACK}:{self.port}"
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._listener, selectors.EVENT_READ)
        self._clients: list[socket.socket] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tak-server", daemon=True)
        self.accepted = 0

    def __enter__(self) -> "TakServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stopping.set()
        self._thread.join(5)
        self.drop_clients()
        self._selector.close()
        self._listener.close()

    @property
    def clients(self) -> int:
        with self._lock:
            return len(self._clients)

    def inject(self, data: bytes) -> None:
        with self._lock:
            clients = list(self._clients)
        for client in clients:
            try:
                client.setblocking(True)
                client.sendall(data)
            except OSError:
                pass

    def drop_clients(self) -> None:
        with self._lock:
            clients, self._clients = self._clients, []
        for client in clients:
            try:
                self._selector.unregister(client)
            except (KeyError, ValueError):
                pass
            client.close()

    def _run(self) -> None:
        while not self._stopping.is_set():
            for key, _ in self._selector.select(timeout=0.05):
                if key.fileobj is self._listener:
                    try:
                        client, _ = self._listener.accept()
                    except OSError:
                        continue
                    with self._lock:
                        self._clients.append(client)
                        self.accepted += 1
                    self._selector.register(client, selectors.EVENT_READ)
                    continue
                self._relay(key.fileobj)

    def _relay(self, client: socket.socket) -> None:
        try:
            data = client.recv(65536)
        except OSError:
            data = b""
        if not data:
            with self._lock:
                if client in self._clients:
                    self._clients.remove(client)
            try:
                self._selector.unregister(client)
            except (KeyError, ValueError):
                pass
            client.close()
            return
        with self._lock:
            others = [c for c in self._clients if c is not client]
        for other in others:
            try:
                other.sendall(data)
            except OSError:
                pass
