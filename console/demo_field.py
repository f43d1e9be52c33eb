"""The demo field: a broker, a gateway, fake cameras, simulated responders, district HQ and the
scripted scenario (radios/demo_scenario.py), started and stopped together.

Every simulated source speaks the real protocol to the real code path. The field
writes its own config into a fresh run folder, so the gateway starts exactly as on a
vehicle (``mcv gateway --config F``), as a child process stopped by its PID. Qt-free.
"""

from __future__ import annotations

import json
import math
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from radios.broker import LocalBroker, broker_answers, free_port
from radios.child_process import die_with_parent
from radios.bus import BusSettings, MqttBus
from radios.config import Config, load_config
from radios.demo_hq import DemoHq
from radios.demo_logins import carried_broker_login, dispatch_section, server_login_lines
from radios.demo_scenario import ScenarioPlayed, ScenarioReport, ScenarioTimeline, ScenarioWorker
from radios.fake_drone import FakeDrone
from radios.fake_nmea_radio import FakeNmeaRadio
from radios.fake_tak import PARTNER_TEAM, FakeTakPeer
from radios.field_sim import RESPONDERS, SimulatedResponders
from radios.modem_emulator import PtyModem
from radios.schema import GatewayStatus, LinkState, PayloadError, Topics, decode
from radios.store import Store
from video.fake_camera_server import FakeCameraServer, gstreamer_available

DEMO_VEHICLE = "demo-1"
GATEWAY_READY_TIMEOUT_S = 15.0
DEMO_TILES_SCRIPT = Path(__file__).resolve().parent.parent / "resources" / "demo_tiles" / "make_demo_tiles.py"
# Invented shelters, zones and a route; Rescue 1 walks through its keep-out underpass (geofence alarm).
DEMO_OVERLAYS = Path(__file__).resolve().parent.parent / "resources" / "demo_overlays" / "gongshu_demo.geojson"


@dataclass
class DemoSummary:
    """What the store saw in a headless run."""

    units: int
    positions: int
    events: int
    alarms: int
    reports_acknowledged: int  # responder reports the broker acknowledged (QoS 1)
    reports_stored: int  # of those responders' positions, how many the store holds

    @property
    def nothing_lost(self) -> bool:
        return self.reports_stored >= self.reports_acknowledged

    def lines(self) -> list[str]:
        missing = self.reports_acknowledged - self.reports_stored
        return [
            f"units seen:            {self.units}",
            f"positions stored:      {self.positions}",
            f"events stored:         {self.events}",
            f"alarms raised:         {self.alarms}",
            f"reports acknowledged:  {self.reports_acknowledged} by the broker, "
            + ("all stored" if self.nothing_lost else f"{missing} MISSING"),
        ]


# id, name, kind: the cameras the demo serves over RTSP on loopback.
DEMO_CAMERAS = (
    ("drone-1", "Drone 1", "drone"),
    ("bodycam-r1", "Rescue 1 body camera", "bodycam"),
    ("bodycam-r2", "Rescue 2 body camera", "bodycam"),
    ("mast-1", "Vehicle mast camera", "mast"),
)
BODYCAMS = {"r1": "bodycam-r1", "r2": "bodycam-r2"}  # responder uid -> its camera
# These responders' trackers report as field devices do, through the gateway's MQTT field-device link.
# (r1 and r2 publish unit states themselves: those carry their body cameras' stream ids.)
FIELD_DEVICES = ("r3", "r4")
FIELD_DEVICE_LINK = "trackers"
DEMO_DRONE_SYSID = 1
MAX_TRACK_POINTS = 10_000_000  # the summary counts every stored report


def demo_config_text(broker_url: str, store_path: Path, map_path: Path | None = None,
                     camera_port: int | None = None, drone_port: int | None = None,
                     tak: tuple[int, int] | None = None, broker_login: str = "") -> str:
    """The run's config file; JSON string quoting is valid TOML basic-string quoting.
    ``broker_login`` holds the broker's username/password_file lines (radios/demo_logins.py)."""
    text = (
        "# Written by mcv demo for this run.\n"
        f'[vehicle]\nid = "{DEMO_VEHICLE}"\nname = "Demo vehicle"\n\n'
        f"[broker]\nurl = {json.dumps(broker_url)}\n{broker_login}\n"
        f"[store]\npath = {json.dumps(str(store_path))}\n"
    )
    if map_path:
        text += f'\n[[map.sources]]\nid = "demo"\nkind = "mbtiles"\npath = {json.dumps(str(map_path))}\n'
    if DEMO_OVERLAYS.is_file():
        text += (f'\n[[map.overlays]]\nid = "demo-zones"\npath = {json.dumps(str(DEMO_OVERLAYS))}\n'
                 'name = "Demo zones (invented data)"\n')
    for stream_id, name, kind in DEMO_CAMERAS if camera_port else ():
        url = f"rtsp://127.0.0.1:{camera_port}/{stream_id}"
        text += f'\n[[streams]]\nid = "{stream_id}"\nname = {json.dumps(name)}\nkind = "{kind}"\nurl = "{url}"\n'
        if kind == "drone":  # the drone's video is kept as evidence: the wall shows its REC dot
            text += f"sysid = {DEMO_DRONE_SYSID}\nrecord = true\n"
    if drone_port:
        text += (f'\n[[links]]\nid = "drone-radio"\ntype = "mavlink"\n'
                 f'url = "udpin:127.0.0.1:{drone_port}"\n')
    if tak:  # (the CoT link's port, the fake TAK team's port): a partner agency's ATAK users
        text += (f'\n[[links]]\nid = "tak-partners"\ntype = "cot"\n'
                 f'url = "udp://127.0.0.1:{tak[0]}?peer=127.0.0.1:{tak[1]}"\n')
    text += f'\n[[links]]\nid = "{FIELD_DEVICE_LINK}"\ntype = "mqtt"\nurl = {json.dumps(broker_url)}\n{broker_login}'
    return text


def make_demo_tiles(run_dir: Path, say=print) -> Path | None:
    """The demo area's map tiles in the run folder, rendered by the project script when missing."""
    out = run_dir / "demo-tiles.mbtiles"
    if out.exists():
        return out
    if not DEMO_TILES_SCRIPT.is_file():
        say(f"no demo map: {DEMO_TILES_SCRIPT} is not installed")
        return None
    result = subprocess.run([sys.executable, str(DEMO_TILES_SCRIPT), str(out)], capture_output=True, text=True,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, timeout=60, check=False)
    if result.returncode != 0:
        say(f"no demo map: {DEMO_TILES_SCRIPT.name} failed: {(result.stderr.strip().splitlines() or ['?'])[-1]}")
        return None
    return out


class DemoField:
    """Owns every process and thread the demo starts; ``stop`` ends them all."""

    def __init__(self, base_config: Config, run_dir: Path, timeline: ScenarioTimeline | None = None,
                 duration_s: float | None = None) -> None:
        self.base_config = base_config
        self.run_dir = run_dir
        self.timeline = timeline or ScenarioTimeline.fitted(duration_s)
        self.duration_s = duration_s  # None: until stopped
        self.hq: DemoHq | None = None  # district HQ, which the scripted backhaul outage cuts off
        self.scenario: ScenarioWorker | None = None
        self._played: ScenarioPlayed | None = None
        self.broker: LocalBroker | None = None
        self.gateway: subprocess.Popen | None = None
        self.field: SimulatedResponders | None = None
        self.cameras: FakeCameraServer | None = None
        self.drone: FakeDrone | None = None
        self.tak: FakeTakPeer | None = None
        self.satcom: PtyModem | None = None  # an Iridium SBD modem emulator on a pty
        self.radio: FakeNmeaRadio | None = None  # radio units sending NMEA on ptys
        self._bus: MqttBus | None = None
        self.config: Config | None = None

    def start(self, say=print) -> Config:
        """Start broker (when none answers), gateway and field; returns the run's config."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        broker_url = self._broker_url(say)
        config_path = self.run_dir / "mcv.toml"
        camera_port = self._start_cameras(say)
        drone_port = free_port(kind=socket.SOCK_DGRAM)
        self.tak = FakeTakPeer(free_port(kind=socket.SOCK_DGRAM))  # binds its own port now, sends once started
        self.hq = DemoHq(self.run_dir / "hq", DEMO_VEHICLE).start()
        say(f"started district HQ's broker on {self.hq.broker.host}:{self.hq.broker.port} "
            "(the gateway's uplink sends there over the simulated backhaul)")
        try:
            self.satcom = PtyModem(self.run_dir).start()
            say(f"starting a satellite modem emulator (Iridium SBD) on {self.satcom.device}")
        except RuntimeError as exc:
            say(f"no satellite modem: {exc}")
        try:
            self.radio = FakeNmeaRadio(self.run_dir).start()
            say(f"starting a radio sending NMEA for {len(self.radio.units)} units on "
                + ", ".join(str(self.radio.device(walk.unit)) for walk in self.radio.units))
        except RuntimeError as exc:
            self.radio = None
            say(f"no NMEA radio: {exc}")
        config_path.write_text(demo_config_text(broker_url, self.run_dir / "mcv.sqlite3",
                                                make_demo_tiles(self.run_dir, say), camera_port, drone_port,
                                                (self.tak.address[1], self.tak.listen_port),
                                                carried_broker_login(self.base_config, self.broker is None))
                               + (self.satcom.link_config() if self.satcom else "")
                               + (self.radio.link_config() if self.radio else "")
                               + f"\n[uplink]\nurl = {json.dumps(self.hq.url)}\n"
                               + server_login_lines(self.base_config.uplink)
                               + dispatch_section(self.base_config.dispatch))
        self.config = load_config(config_path)
        with open(self.run_dir / "gateway.log", "wb") as gateway_log:
            self.gateway = subprocess.Popen(
                [sys.executable, "-m", "console", "gateway", "--config", str(config_path)],
                stdin=subprocess.DEVNULL, stdout=gateway_log, stderr=subprocess.STDOUT,
                start_new_session=True, preexec_fn=die_with_parent,
            )
        say(f"started gateway (pid {self.gateway.pid}, store {self.config.store_path})")
        say(f"starting simulated field: {len(RESPONDERS)} responders reporting over MQTT, "
            f"{len(FIELD_DEVICES)} of them through trackers on the field-device link")
        topics = Topics(self.config.vehicle.id)
        gateway_online = threading.Event()
        trackers_up = threading.Event()  # the trackers' link subscribed: their first reports are not lost

        def on_message(topic: str, payload: bytes, retained: bool) -> None:
            """Bus thread: the field waits for the gateway and its trackers' link before it reports,
            then takes its messages."""
            if topic == topics.link(FIELD_DEVICE_LINK):
                try:
                    trackers_up.set() if decode(payload, LinkState).state == "up" else None
                except PayloadError:
                    pass
                return
            if self.field is not None:
                self.field.on_bus_message(topic, payload, retained)
            if self.scenario is not None:
                self.scenario.on_bus_message(topic, payload, retained)
            try:
                gateway_online.set() if decode(payload, GatewayStatus).state == "online" else None
            except PayloadError:
                pass

        self._bus = MqttBus(BusSettings.from_broker(self.config.broker, "mcv-demo-field"), on_message=on_message)
        self._bus.subscribe(topics.gateway)
        self._bus.subscribe(topics.backhaul)
        self._bus.subscribe(topics.link(FIELD_DEVICE_LINK))
        self._bus.start()
        if not gateway_online.wait(GATEWAY_READY_TIMEOUT_S):
            raise RuntimeError(f"the gateway did not come online within {GATEWAY_READY_TIMEOUT_S:.0f} s; "
                               f"see {self.run_dir / 'gateway.log'}")
        if not trackers_up.wait(GATEWAY_READY_TIMEOUT_S):
            raise RuntimeError(f"the gateway's field-device link '{FIELD_DEVICE_LINK}' did not come up within "
                               f"{GATEWAY_READY_TIMEOUT_S:.0f} s; see {self.run_dir / 'gateway.log'}")
        self.field = SimulatedResponders(self._bus, topics, bodycams=BODYCAMS if self.cameras else {},
                                         device_uids=FIELD_DEVICES, sos_after_s=math.inf)  # the scenario raises it
        self.field.start()
        self._start_scenario(say)
        video = f"rtsp://127.0.0.1:{camera_port}/drone-1" if camera_port else None
        say(f"starting a simulated drone (MAVLink over UDP to 127.0.0.1:{drone_port}) flying a search pattern")
        self.drone = FakeDrone(drone_port, sysid=DEMO_DRONE_SYSID, video_uri=video).start()
        say(f"starting {len(PARTNER_TEAM)} TAK contacts (a partner team, CoT over UDP to 127.0.0.1:{self.tak.address[1]})")
        self.tak.start()
        return self.config

    def _start_scenario(self, say) -> None:
        """Start the scripted outage and SOS; their times count from now, as the field's reports do."""
        field, started = self.field, time.monotonic()
        self.scenario = ScenarioWorker(self.timeline, self.hq, Topics(DEMO_VEHICLE).backhaul,
                                       raise_sos=lambda: field.raise_sos(time.monotonic() - started),
                                       say=say)
        for line in self.timeline.lines(self.duration_s):
            say(line)
        self.scenario.start()

    def _start_cameras(self, say) -> int | None:
        """Serve the demo cameras over RTSP; the demo runs on without video where GStreamer is missing."""
        if not gstreamer_available():
            say("no demo cameras: GStreamer's RTSP server is not installed (installer/setup.sh installs it)")
            return None
        self.cameras = FakeCameraServer(free_port(), tuple(f"{sid}={name.upper()}" for sid, name, _ in DEMO_CAMERAS))
        try:
            self.cameras.start()
        except RuntimeError as exc:
            say(f"no demo cameras: {exc}")
            self.cameras = None
            return None
        say(f"serving {len(DEMO_CAMERAS)} cameras over RTSP on 127.0.0.1:{self.cameras.port}")
        return self.cameras.port

    def _broker_url(self, say) -> str:
        configured = self.base_config.broker
        if configured.url and broker_answers(configured.host, configured.port):
            say(f"using the configured broker at {configured.host}:{configured.port}")
            return configured.url
        self.broker = LocalBroker().start()
        say(f"started mosquitto on {self.broker.host}:{self.broker.port} (pid {self.broker.pid})")
        return self.broker.url

    def stop(self) -> None:
        """Stop field, gateway, scenario, HQ and broker, in that order; safe to call twice."""
        if self.scenario is not None and self._played is None:
            self._played = self.scenario.played()  # as the run ends: a restore just now had no time to drain
        if self.drone is not None:
            self.drone.stop()
            self.drone = None
        if self.tak is not None:
            self.tak.stop()
            self.tak = None
        if self.field is not None:
            self.field.stop()
        if self._bus is not None:
            self._bus.stop()
            self._bus = None
        gateway, self.gateway = self.gateway, None
        if gateway is not None and gateway.poll() is None:
            gateway.send_signal(signal.SIGTERM)
            try:
                gateway.wait(10)
            except subprocess.TimeoutExpired:
                gateway.kill()
                gateway.wait(5)
        if self.scenario is not None:
            self.scenario.stop()  # HQ's broker, if the scenario restarted it, ends with the scenario's thread
        if self.hq is not None:
            self.hq.close()  # after the gateway: HQ takes what the uplink sends until it stops
        if self.cameras is not None:
            self.cameras.stop()
            self.cameras = None
        if self.satcom is not None:
            self.satcom.stop()
            self.satcom = None
        if self.radio is not None:
            self.radio.stop()
            self.radio = None
        if self.broker is not None:
            self.broker.stop()
            self.broker = None

    def wait_stored(self, timeout_s: float) -> None:
        """Before the gateway stops: wait until its store holds every report the broker acknowledged."""
        if self.field is None or self.config is None:
            return
        acknowledged = self.field.acknowledged
        deadline = time.monotonic() + timeout_s
        while self._reports_stored() < acknowledged and time.monotonic() < deadline:
            time.sleep(0.2)

    def _reports_stored(self) -> int:
        """The responders' stored positions, read beside the running gateway (read-only, WAL)."""
        uids = [uid for uid, _, _ in RESPONDERS]
        try:
            with closing(sqlite3.connect(f"file:{self.config.store_path}?mode=ro", uri=True, timeout=5)) as db:
                return db.execute(f"SELECT count(*) FROM positions WHERE uid IN ({','.join('?' * len(uids))})",
                                  uids).fetchone()[0]
        except sqlite3.Error:
            return 0

    def summary(self) -> DemoSummary:
        """Read the store once the gateway has stopped."""
        store = Store(self.config.store_path)
        try:
            stored = sum(len(store.track(uid, limit=MAX_TRACK_POINTS)) for uid, _, _ in RESPONDERS)
            return DemoSummary(units=store.count("units"), positions=store.count("positions"),
                               events=store.count("events"), alarms=store.count("alarms"),
                               reports_acknowledged=self.field.acknowledged if self.field else 0,
                               reports_stored=stored)
        finally:
            store.close()

    def scenario_report(self) -> ScenarioReport | None:
        """The outage, the drain and the SOS as the store and HQ saw them, once the gateway has stopped."""
        if self.hq is None or self._played is None:
            return None
        with Store(self.config.store_path) as store:
            return ScenarioReport.read(store, self.hq, self.scenario.watched(), self.timeline, self._played)


