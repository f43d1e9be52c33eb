"""Benchmark: field links — MQTT device positions through the gateway, NMEA through a serial link, gateway memory.

Run by hand: ``.venv/bin/python tests/bench/bench_links.py [N] [--publishers P]``
(N = 20,000 positions, P = 2 publisher processes).

Gateway: the real gateway (``python -m console gateway``, a child process) with one MQTT
field-device link on a local mosquitto. P paho clients, each in its own process (one
Python publisher cannot feed a broker at the goal's rate), publish N device positions
(docs/devices.md format, QoS 1) for UNITS devices as fast as the broker takes them; a
device's positions all come from one publisher, in order. In the same run, on the same
broker, a raw paho subscriber takes the device topic and a second one takes the unit
states the gateway republishes once they are stored. The raw rate is its messages over
the time from the first publish to its last arrival. The gateway stores every position
but republishes only each unit's latest per tick (radios/unit_publisher.py), so its rate
is N over the time from the first publish until every unit's last position is on the
bus; the store is checked afterwards to hold all N. The broker queues without limit
(``max_queued_messages 0``) so a slow client loses nothing and is measured, not trimmed.
After the run the gateway's RSS is read with UNITS units live.

Serial: N GGA sentences written into the far end of a socat pty pair, read by
``SerialLink`` (reader thread, framing, counters, policy) and, in the same run, by raw
pyserial ``readline`` (the issue's yardstick; pyserial reads a byte at a time there) and
by raw whole reads counting newlines (the floor of reading a pty from Python). The best
of ROUNDS rounds of each is kept.

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import paho.mqtt.client as mqtt  # noqa: E402
import serial  # noqa: E402
from paho.mqtt.enums import CallbackAPIVersion  # noqa: E402

from radios.broker import LocalBroker  # noqa: E402
from radios.config import LinkConfig  # noqa: E402
from radios.fake_nmea_radio import nmea_sentence  # noqa: E402
from radios.schema import GatewayStatus, LinkState, PayloadError, Topics, decode, utc_now  # noqa: E402
from radios.serial_link import SerialLink  # noqa: E402
from radios.store import Store  # noqa: E402

N = 20_000       # set from the command line in main()
PUBLISHERS = 2   # likewise
UNITS = 1_000
ROUNDS = 3
GATEWAY_RATIO_GOAL = 0.5
GATEWAY_RATE_GOAL = 5_000
SERIAL_RATIO_GOAL = 0.8
RSS_GOAL_MB = 150
TOPICS = Topics("bench-1")
LINK_ID = "field"
ARRIVAL_TIMEOUT_S = 120.0
QUIET_S = 3.0


class Counter:
    """Counts arrivals on a subscription and notes the time of the last one (paho's network thread).

    With ``finals`` (uid → the position a device sent last), it also notes when every
    unit's final position has arrived: ``done`` is set then, whatever the count.
    """

    def __init__(self, name: str, broker: LocalBroker, topic: str, target: int,
                 finals: dict[str, tuple[float, float, float]] | None = None) -> None:
        self.count = 0
        self.last = 0.0
        self.target = target
        self.finals = dict(finals or {})
        self.done = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=name, protocol=mqtt.MQTTv5)
        self.client.on_message = self._on_message
        subscribed = threading.Event()
        self.client.on_subscribe = lambda *args: subscribed.set()
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()
        self.client.subscribe(topic, qos=1)
        assert subscribed.wait(5), f"{name} could not subscribe"

    def _on_message(self, client, userdata, message) -> None:
        if message.retain:
            return
        self.count += 1
        self.last = time.perf_counter()
        if self.finals:
            body = json.loads(message.payload)
            if self.finals.get(body["uid"]) == (body["lat"], body["lon"], body["heading"]):
                del self.finals[body["uid"]]
                if not self.finals:
                    self.done.set()
        elif self.count >= self.target:
            self.done.set()

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def wait_until_quiet(counter: Counter) -> None:
    """Until all arrived, or nothing arrived for QUIET_S: what the gateway dropped is reported, not waited for."""
    seen, since = -1, time.monotonic()
    while not counter.done.wait(0.1):
        if counter.count != seen:
            seen, since = counter.count, time.monotonic()
        elif time.monotonic() - since > QUIET_S:
            return


def device_position(i: int) -> tuple[str, tuple[float, float, float]]:
    """The device and (lat, lon, heading) of the i-th position."""
    return f"dev-{i % UNITS:04d}", (30.3195 + (i % 997) * 1e-5, 120.1630 + (i % 991) * 1e-5, float(i % 360))


def device_payload(i: int) -> tuple[str, bytes]:
    uid, (lat, lon, heading) = device_position(i)
    body = {"lat": lat, "lon": lon, "heading": heading, "speed": 1.2, "ts": utc_now(), "callsign": uid}
    return f"{TOPICS.root}/device/{uid}/position", json.dumps(body).encode()


def publish_share(host: str, port: int, share: int, publishers: int, n: int, ready, go) -> None:
    """Body of one publisher process: positions i = share, share + publishers, … as fast as the broker takes them."""
    messages = [device_payload(i) for i in range(share, n, publishers)]
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-pub-{share}", protocol=mqtt.MQTTv5)
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    client.connect(host, port)
    client.loop_start()
    ready.set()
    go.wait(60)
    infos = [client.publish(topic, payload, qos=1) for topic, payload in messages]
    for info in infos[-10:]:
        info.wait_for_publish(ARRIVAL_TIMEOUT_S)
    client.disconnect()
    client.loop_stop()


def start_gateway(broker: LocalBroker, folder: Path) -> subprocess.Popen:
    """The gateway as on a vehicle, and wait until it is online and its field link is up."""
    config = folder / "mcv.toml"
    config.write_text(
        f'[vehicle]\nid = "{TOPICS.vehicle}"\nname = "Bench"\n\n[broker]\nurl = "{broker.url}"\n\n'
        f'[store]\npath = {json.dumps(str(folder / "mcv.sqlite3"))}\n\n'
        f'[[links]]\nid = "{LINK_ID}"\ntype = "mqtt"\nurl = "{broker.url}"\n')
    ready = {"gateway": threading.Event(), "link": threading.Event()}

    def on_message(client, userdata, message) -> None:
        try:
            if message.topic == TOPICS.gateway and decode(message.payload, GatewayStatus).state == "online":
                ready["gateway"].set()
            elif message.topic == TOPICS.link(LINK_ID) and decode(message.payload, LinkState).state in ("up",
                                                                                                      "degraded"):
                ready["link"].set()
        except PayloadError:
            pass

    watcher = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-watch", protocol=mqtt.MQTTv5)
    watcher.on_message = on_message
    watcher.connect(broker.host, broker.port)
    watcher.loop_start()
    watcher.subscribe([(TOPICS.gateway, 1), (TOPICS.link(LINK_ID), 1)])
    log = open(folder / "gateway.log", "wb")
    gateway = subprocess.Popen([sys.executable, "-m", "console", "gateway", "--config", str(config)],
                               stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    try:
        ok = ready["gateway"].wait(20) and ready["link"].wait(20)
    finally:
        watcher.disconnect()
        watcher.loop_stop()
    if not ok:
        stop_gateway(gateway)
        raise RuntimeError(f"the gateway did not come up; see {folder / 'gateway.log'}")
    return gateway


def stop_gateway(gateway: subprocess.Popen) -> None:
    gateway.send_signal(signal.SIGTERM)
    try:
        gateway.wait(30)
    except subprocess.TimeoutExpired:
        gateway.kill()
        gateway.wait(5)


def cpu_s(pid: int) -> float:
    """User and system CPU seconds a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def gateway_run(broker: LocalBroker, folder: Path) -> dict:
    """Positions per second raw and through the gateway in one publish run, then RSS and the store count."""
    gateway = start_gateway(broker, folder)
    try:
        context = multiprocessing.get_context("fork")  # forked before this process starts paho threads
        go = context.Event()
        readies = [context.Event() for _ in range(PUBLISHERS)]
        publishers = [context.Process(target=publish_share, name=f"bench-pub-{k}", daemon=True,
                                      args=(broker.host, broker.port, k, PUBLISHERS, N, readies[k], go))
                      for k in range(PUBLISHERS)]
        for process in publishers:
            process.start()
        finals = dict(device_position(i) for i in range(N))  # the last position of each device wins
        raw = Counter("bench-raw", broker, f"{TOPICS.root}/device/+/position", N)
        out = Counter("bench-out", broker, TOPICS.all_units, N, finals=finals)
        assert all(ready.wait(60) for ready in readies), "a publisher did not connect"
        cpu_before = cpu_s(gateway.pid)
        start = time.perf_counter()
        go.set()
        raw.done.wait(ARRIVAL_TIMEOUT_S)
        wait_until_quiet(out)
        for process in publishers:
            process.join(ARRIVAL_TIMEOUT_S)
        gateway_cpu = cpu_s(gateway.pid) - cpu_before
        raw.stop()
        out.stop()
        time.sleep(1.0)  # let the gateway settle before reading its memory
        rss = rss_mb(gateway.pid)
    finally:
        stop_gateway(gateway)
    with Store(folder / "mcv.sqlite3") as store:
        stored, units = store.count("positions"), store.count("units")
    raw_rate = raw.count / (raw.last - start) if raw.count else 0.0
    # Only once every unit's last position is out have all N gone through; short of that, no rate.
    out_rate = N / (out.last - start) if out.done.is_set() else 0.0
    return {"raw_per_s": raw_rate, "gateway_per_s": out_rate, "raw_received": raw.count,
            "republished_per_s": out.count / (out.last - start) if out.count else 0.0,
            "gateway_cpu_us_per_position": gateway_cpu / N * 1e6,
            "republished": out.count, "units_behind": len(out.finals), "stored": stored, "units": units,
            "rss_mb": rss}


class PtyCable:
    """A socat pty pair: the reader under test opens ``device``; the bench writes ``far_end``."""

    def __init__(self, folder: Path) -> None:
        self.device, self.far_end = folder / "ttyBENCH", folder / "ttyBENCH-far"
        self._socat = subprocess.Popen(
            ["socat", f"pty,raw,echo=0,link={self.device}", f"pty,raw,echo=0,link={self.far_end}"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 5
        while not (self.device.exists() and self.far_end.exists()):
            if time.monotonic() > deadline:
                raise RuntimeError("socat made no pty pair")
            time.sleep(0.01)

    def write_all(self, data: bytes) -> threading.Thread:
        """Write ``data`` on a thread ("bench-writer"), blocking while the reader is behind."""
        def run() -> None:
            fd = os.open(self.far_end, os.O_RDWR | os.O_NOCTTY)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view[:4096]):]
            finally:
                os.close(fd)
        thread = threading.Thread(target=run, name="bench-writer", daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        self._socat.terminate()
        self._socat.wait(5)


def sentences() -> bytes:
    body = "GPGGA,101500.00,3019.1700,N,12009.7800,E,1,08,0.9,12.0,M,7.0,M,,"
    return nmea_sentence(body) * N


def serial_link_per_s(cable: PtyCable) -> float:
    count = 0
    done = threading.Event()
    last = [0.0]

    def on_line(link_id: str, line: bytes) -> bool:
        """Reader thread."""
        nonlocal count
        count += 1
        if count >= N:
            last[0] = time.perf_counter()
            done.set()
        return True

    link = SerialLink(LinkConfig(id="bench", type="serial", url=str(cable.device), profile="nmea", baud=115200),
                      on_line=on_line)
    link.start()
    try:
        deadline = time.monotonic() + 5
        while not link.is_open and time.monotonic() < deadline:
            time.sleep(0.01)
        start = time.perf_counter()
        writer = cable.write_all(sentences())
        assert done.wait(ARRIVAL_TIMEOUT_S), f"SerialLink got {count} of {N} lines"
        writer.join(5)
    finally:
        link.stop()
    return N / (last[0] - start)


def raw_readline_per_s(cable: PtyCable) -> float:
    port = serial.serial_for_url(str(cable.device), baudrate=115200, timeout=1)
    try:
        start = time.perf_counter()
        writer = cable.write_all(sentences())
        count = 0
        while count < N:
            line = port.readline()
            assert line, f"raw readline got {count} of {N} lines"
            count += 1
        elapsed = time.perf_counter() - start
        writer.join(5)
    finally:
        port.close()
    return N / elapsed


def raw_chunked_per_s(cable: PtyCable) -> float:
    """A harder floor than readline (which pyserial runs a byte at a time): whole reads, newlines counted."""
    port = serial.serial_for_url(str(cable.device), baudrate=115200, timeout=1)
    try:
        start = time.perf_counter()
        writer = cable.write_all(sentences())
        count = 0
        while count < N:
            chunk = port.read(max(1, port.in_waiting))
            assert chunk, f"raw chunked read got {count} of {N} lines"
            count += chunk.count(b"\n")
        elapsed = time.perf_counter() - start
        writer.join(5)
    finally:
        port.close()
    return N / elapsed


def main() -> int:
    global N, PUBLISHERS
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=N, help="positions and NMEA sentences per run")
    parser.add_argument("--publishers", type=int, default=PUBLISHERS,
                        help=f"publisher processes; must divide {UNITS} so a device has one")
    args = parser.parse_args()
    if args.publishers < 1 or UNITS % args.publishers:
        parser.error(f"--publishers must divide {UNITS}")
    N, PUBLISHERS = args.n, args.publishers
    if shutil.which("socat") is None:
        print("socat is not installed (installer/setup.sh --dev installs it)", file=sys.stderr)
        return 2
    results: dict[str, float | int | bool] = {"n": N, "units": UNITS}
    with tempfile.TemporaryDirectory(prefix="mcv-bench-links-") as tmp:
        folder = Path(tmp)
        broker = LocalBroker(extra_config="max_queued_messages 0\n").start()
        try:
            gw = gateway_run(broker, folder)
        finally:
            broker.stop()
        ratio = gw["gateway_per_s"] / gw["raw_per_s"] if gw["raw_per_s"] else 0.0
        print(f"MQTT positions, raw paho subscriber:  {gw['raw_per_s']:10,.0f}/s ({gw['raw_received']:,} of {N:,})")
        print(f"MQTT positions through the gateway:   {gw['gateway_per_s']:10,.0f}/s ({gw['stored']:,} stored, "
              f"{gw['republished']:,} unit states republished, {gw['units']:,} units, {gw['units_behind']} without "
              f"their last position)  ratio {ratio:.2f} "
              f"(goal >= {GATEWAY_RATIO_GOAL} and >= {GATEWAY_RATE_GOAL:,}/s)")
        print(f"gateway CPU per position: {gw['gateway_cpu_us_per_position']:.0f} µs (user + system, all threads)")
        print(f"gateway RSS with {UNITS:,} live units: {gw['rss_mb']:.1f} MB (goal <= {RSS_GOAL_MB} MB)")
        link_rates, raw_rates, chunked_rates = [], [], []
        for _ in range(ROUNDS):
            cable = PtyCable(folder)
            try:
                link_rates.append(serial_link_per_s(cable))
                raw_rates.append(raw_readline_per_s(cable))
                chunked_rates.append(raw_chunked_per_s(cable))
            finally:
                cable.close()
        serial_ratio = max(link_rates) / max(raw_rates)
        print(f"NMEA through SerialLink:  {max(link_rates):10,.0f} sentences/s")
        print(f"NMEA raw pyserial readline: {max(raw_rates):8,.0f} sentences/s  ratio {serial_ratio:.2f} "
              f"(goal >= {SERIAL_RATIO_GOAL})")
        print(f"NMEA raw pyserial whole reads: {max(chunked_rates):7,.0f} sentences/s  "
              f"SerialLink at {max(link_rates) / max(chunked_rates):.2f} of it")
    results.update({
        "mqtt_raw_per_s": round(gw["raw_per_s"]), "mqtt_gateway_per_s": round(gw["gateway_per_s"]),
        "mqtt_ratio": round(ratio, 3), "mqtt_republished": gw["republished"], "mqtt_stored": gw["stored"],
        "mqtt_publishers": PUBLISHERS, "mqtt_units_behind": gw["units_behind"],
        "mqtt_republished_per_s": round(gw["republished_per_s"]),
        "gateway_cpu_us_per_position": round(gw["gateway_cpu_us_per_position"]),
        "gateway_rss_mb": round(gw["rss_mb"], 1), "live_units": gw["units"],
        "serial_link_per_s": round(max(link_rates)), "serial_raw_per_s": round(max(raw_rates)),
        "serial_ratio": round(serial_ratio, 3), "serial_raw_chunked_per_s": round(max(chunked_rates)),
        "mqtt_goal_met": ratio >= GATEWAY_RATIO_GOAL and gw["gateway_per_s"] >= GATEWAY_RATE_GOAL,
        "serial_goal_met": serial_ratio >= SERIAL_RATIO_GOAL, "rss_goal_met": gw["rss_mb"] <= RSS_GOAL_MB,
    })
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
