"""Map interactions offscreen: pick a unit, follow it, its track from the gateway, measuring, alarms."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QPointF, QSettings, Qt
from support import RunningGateway, write_config

from console.bus_client import BusClient
from console.history_track_layer import track_points
from console.map_panel import MapPanel
from console.measure_tool import format_area, format_distance
from console.unit_details_panel import age_text
from radios.bus_settings import BusSettings
from radios.schema import Alarm, HistoryReply, Topics, UnitState, format_ts
from maps.mercator import haversine_m

GONGSHU = (120.1630, 30.3195)  # lon, lat


def unit(uid: str, lon: float, lat: float, **fields) -> UnitState:
    defaults = dict(unit_kind="responder", callsign=f"Rescue {uid}", heading=90.0, speed=1.5)
    return UnitState.create(f"bodycam-{uid}", uid=uid, lon=lon, lat=lat, **{**defaults, **fields})


def offline_bus() -> BusClient:
    """A real bus client that is never started: its signals are emitted by the test."""
    return BusClient(BusSettings("127.0.0.1", 1, "test-map"), Topics("test-1"), source="console@test")


@pytest.fixture
def open_panel(qtbot):
    """Builds shown map panels (no tile source: the grid) and stops them after the test."""
    panels: list[MapPanel] = []

    def build(bus: BusClient, size=(640, 480)) -> MapPanel:
        panel = MapPanel(bus, (), 120)
        qtbot.addWidget(panel)
        panel.resize(*size)
        panel.show()
        qtbot.waitExposed(panel)
        panels.append(panel)
        return panel

    yield build
    for panel in panels:
        panel.stop()


def click(qtbot, view, point: QPointF) -> None:
    qtbot.mouseClick(view, Qt.LeftButton, pos=point.toPoint())


def test_clicking_a_unit_shows_its_details_and_open_video_asks_for_its_stream(open_panel, qtbot):
    bus = offline_bus()
    panel = open_panel(bus)
    view, tools = panel.map_view, panel.interactions
    r2 = unit("r2", GONGSHU[0], GONGSHU[1], stream="bodycam-r2", heading=45.0)
    other = unit("r7", GONGSHU[0] + 0.01, GONGSHU[1] + 0.005, callsign="Engine 7", unit_kind="vehicle")
    bus.units_changed.emit([r2, other])
    view.centre_on(*GONGSHU, zoom=15)
    click(qtbot, view, view.unit_screen_pos("r2") + QPointF(3, -2))
    details = tools.details
    assert details.isVisible() and details.callsign.text() == "Rescue r2"
    assert details.fields["kind"].text() == "responder" and details.fields["heading"].text() == "45°"
    assert details.fields["position"].text() == "30.319500, 120.163000"
    assert details.fields["dms"].text() == "30°19′10.2″N 120°09′46.8″E"
    assert details.fields["source"].text() == "bodycam-r2" and details.fields["age"].text().endswith(" s")
    assert details.open_video.isVisibleTo(details)
    with qtbot.waitSignal(panel.open_video_requested) as asked:
        qtbot.mouseClick(details.open_video, Qt.LeftButton)
    assert asked.args == ["bodycam-r2"]

    click(qtbot, view, view.unit_screen_pos("r7"))
    assert details.callsign.text() == "Engine 7" and not details.open_video.isVisibleTo(details)
    click(qtbot, view, QPointF(20, 400))  # empty map: the details stay as they were
    assert details.callsign.text() == "Engine 7"


def test_follow_keeps_the_unit_centred_until_the_person_pans(open_panel, qtbot):
    bus = offline_bus()
    panel = open_panel(bus)
    view, tools = panel.map_view, panel.interactions
    bus.units_changed.emit([unit("d1", *GONGSHU, unit_kind="drone")])
    view.centre_on(GONGSHU[0] + 0.02, GONGSHU[1], zoom=15)
    tools.select("d1")
    qtbot.mouseClick(tools.details.follow, Qt.LeftButton)
    middle = QPointF(view.width() / 2, view.height() / 2)
    for step in range(1, 4):
        bus.units_changed.emit([unit("d1", GONGSHU[0] + 0.001 * step, GONGSHU[1] + 0.0005 * step,
                                     unit_kind="drone")])
        where = view.unit_screen_pos("d1")
        assert abs(where.x() - middle.x()) < 1 and abs(where.y() - middle.y()) < 1
    qtbot.mousePress(view, Qt.LeftButton, pos=middle.toPoint())
    qtbot.mouseMove(view, (middle + QPointF(60, 40)).toPoint())
    qtbot.mouseRelease(view, Qt.LeftButton, pos=(middle + QPointF(60, 40)).toPoint())
    assert tools.following is None and not tools.details.follow.isChecked()
    bus.units_changed.emit([unit("d1", GONGSHU[0] + 0.005, GONGSHU[1], unit_kind="drone")])
    assert abs(view.unit_screen_pos("d1").x() - middle.x()) > 20  # the map stays where the person put it


def test_measuring_two_known_points_and_a_square(open_panel, qtbot):
    panel = open_panel(offline_bus())
    view, tools = panel.map_view, panel.interactions
    view.centre_on(*GONGSHU, zoom=14)
    tools.measure_action.trigger()
    assert tools.measure.active
    a, b = (120.15, 30.31), (120.17, 30.32)
    for lon, lat in (a, b):
        click(qtbot, view, view.position_to_screen(lon, lat))
    assert len(tools.measure.points) == 2
    expected = haversine_m(*a, *b)  # 2.24 km by great circle
    assert abs(tools.measure.distance_m - expected) / expected < 0.01
    assert tools.measure.area_m2 == 0.0 and "Distance 2.2" in tools.measure.summary()
    click(qtbot, view, view.position_to_screen(120.15, 30.32))
    side_lon, side_lat = haversine_m(120.15, 30.32, 120.17, 30.32), haversine_m(120.15, 30.31, 120.15, 30.32)
    assert abs(tools.measure.area_m2 - side_lon * side_lat / 2) / (side_lon * side_lat / 2) < 0.01
    assert "area" in tools.measure.summary()
    view.grab()  # paints the polygon and the summary without a Qt warning
    assert tools.details.isHidden()  # measuring clicks never pick units
    qtbot.keyClick(view, Qt.Key_Escape)
    assert tools.measure.points == [] and tools.measure.active
    tools.measure_action.trigger()
    assert not tools.measure.active


def test_a_track_asked_of_a_real_gateway_is_drawn(broker, tmp_path, open_panel, qtbot):
    with RunningGateway(broker, tmp_path) as running:
        now = datetime.now(timezone.utc)
        positions = 25
        for n in range(positions):
            state = UnitState(id=f"track-{n:04d}", ts=format_ts(now - timedelta(minutes=50) + timedelta(minutes=2 * n)),
                              src="bodycam-r2", uid="r2", unit_kind="responder", callsign="Rescue 2",
                              lat=GONGSHU[1] + 0.0002 * n, lon=GONGSHU[0] + 0.0003 * n)
            assert running.store.add_unit_state(state).result(5)
        running.store.add_unit_state(UnitState(id="track-old-1", ts=format_ts(now - timedelta(hours=3)),
                                               src="bodycam-r2", uid="r2", unit_kind="responder",
                                               callsign="Rescue 2", lat=30.0, lon=120.0)).result(5)  # too old
        bus = BusClient(BusSettings(broker.host, broker.port, "test-map-track"), Topics(running.config.vehicle.id),
                        source="console@test")
        panel = open_panel(bus)
        try:
            bus.start()
            qtbot.waitUntil(lambda: bus.state == "up", timeout=5000)
            tools = panel.interactions
            bus.units_changed.emit([state])  # the store's latest; the gateway publishes what it hears, not this
            tools.select("r2")
            tools.details.track_range.setCurrentIndex(1)  # the last hour
            qtbot.mouseClick(tools.details.show_track, Qt.LeftButton)
            qtbot.waitUntil(lambda: len(tools.track.points) == positions, timeout=5000)
            assert tools.track.points[0] == pytest.approx(GONGSHU)
            panel.map_view.centre_on(*tools.track.points[12], zoom=15)
            panel.map_view.grab()
            assert tools.track.drawn == positions
            assert tools.details.track_status.text() == f"Track: {positions} positions"
            tools.clear_track()
            assert tools.track.points == []
        finally:
            bus.stop()


def test_replies_for_other_requests_and_hostile_items_are_ignored(open_panel, monkeypatch, qtbot):
    bus = offline_bus()
    sent = []
    monkeypatch.setattr(bus, "request_history", sent.append)  # the wire is tested above; here only the replies
    panel = open_panel(bus)
    tools = panel.interactions
    now = datetime.now(timezone.utc)
    mine = tools.request_track("r2", now - timedelta(hours=1), now)
    assert sent[0].id == mine and sent[0].what == "track" and sent[0].unit == "r2"
    bus.history_received.emit(HistoryReply.create("gateway", request="someone-else", ok=True,
                                                  items=[unit("r2", *GONGSHU).to_dict()]))
    bus.history_received.emit(None)  # another panel's request timed out
    assert tools.track.points == [] and "Asking" in tools.track_status
    hostile = [None, 5, "x", {"kind": "unit"}, {**unit("r2", *GONGSHU).to_dict(), "lat": float("nan")},
               {**unit("r2", *GONGSHU).to_dict(), "evil": 1}, {**unit("r2", *GONGSHU).to_dict(), "lat": 91.0},
               unit("r9", 1.0, 2.0).to_dict(), unit("r2", *GONGSHU).to_dict()]
    bus.history_received.emit(HistoryReply.create("gateway", request=mine, ok=True, items=hostile))
    assert tools.track.points == [GONGSHU] and tools.track_status == "Track: 1 positions"
    unanswered = tools.request_track("r2", now - timedelta(hours=1), now)
    tools._give_up_on(unanswered)  # what the timer does once the bus's timeout has passed
    assert "No answer" in tools.track_status and tools.track.points == [GONGSHU]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=5),
                          st.dictionaries(st.sampled_from(["kind", "id", "ts", "src", "uid", "unit_kind", "callsign",
                                                           "lat", "lon", "heading", "junk"]),
                                          st.one_of(st.none(), st.text(max_size=12), st.floats(), st.integers(),
                                                    st.booleans()), max_size=11)), max_size=8))
def test_track_points_never_fail_on_hostile_items(items):
    points = track_points(items, "r2")
    assert all(-180 <= lon <= 180 and -90 <= lat <= 90 for lon, lat in points)


def test_an_alarm_centres_the_map_and_opens_its_units_video(tmp_path, broker, qtbot):
    from console.main_window import MainWindow
    from radios.config import load_config

    config = load_config(write_config(tmp_path, broker, '\n[[streams]]\nid = "mast-1"\nname = "Mast"\nkind = "mast"\n'
                                      'url = "rtsp://127.0.0.1:9/mast"\n\n[[streams]]\nid = "bodycam-r2"\n'
                                      'name = "Rescue 2"\nkind = "bodycam"\nurl = "rtsp://127.0.0.1:9/r2"\n'))
    bus = offline_bus()
    window = MainWindow(config, bus, "commander", QSettings(str(tmp_path / "seat.ini"), QSettings.IniFormat))
    qtbot.addWidget(window)
    try:
        view = window.units.map_view
        assert window.video_wall.focus_id == "mast-1"
        bus.units_changed.emit([unit("r2", GONGSHU[0] + 0.01, GONGSHU[1], stream="bodycam-r2")])
        view.centre_on(120.0, 30.0, zoom=14)
        alarm = Alarm.create("bodycam-r2", alarm_kind="sos", text="Rescue 2: SOS pressed", unit="r2",
                             lat=GONGSHU[1], lon=GONGSHU[0])
        bus.alarm_changed.emit(alarm)
        lon, lat = view.screen_to_position(QPointF(view.width() / 2, view.height() / 2))
        assert math.isclose(lon, GONGSHU[0], abs_tol=1e-6) and math.isclose(lat, GONGSHU[1], abs_tol=1e-6)
        assert window.video_wall.focus_id == "bodycam-r2"
        assert window.units.interactions.details.callsign.text() == "Rescue r2"
    finally:
        window.units.stop()


def test_figures_for_people():
    assert format_distance(850.4) == "850 m" and format_distance(12_345) == "12.35 km"
    assert format_area(5_200) == "5,200 m²" and format_area(34_000) == "3.40 ha" and format_area(12.5e6) == "12.50 km²"
    assert age_text(-3) == "0 s" and age_text(59.9) == "59 s" and age_text(600) == "10 min" and age_text(10_800) == "3 h"


def test_a_free_from_to_range_asks_the_gateway_for_exactly_that_period(open_panel, monkeypatch, qtbot):
    from PySide6.QtCore import QDateTime

    from console.unit_details_panel import CUSTOM_RANGE

    bus = offline_bus()
    sent = []
    monkeypatch.setattr(bus, "request_history", sent.append)  # the wire is tested above; here the period asked
    panel = open_panel(bus)
    tools = panel.interactions
    bus.units_changed.emit([unit("r2", *GONGSHU, callsign="Rescue 2")])
    tools.select("r2")
    details = tools.details
    details.track_range.setCurrentIndex(details.track_range.findData(CUSTOM_RANGE))
    assert details.custom_range.isVisible()
    start = datetime(2026, 11, 28, 22, 30, tzinfo=timezone.utc)
    details.track_from.setDateTime(QDateTime.fromSecsSinceEpoch(int(start.timestamp())))
    details.track_to.setDateTime(QDateTime.fromSecsSinceEpoch(int((start + timedelta(hours=3)).timestamp())))
    qtbot.mouseClick(details.show_track, Qt.LeftButton)
    (request,) = sent
    assert (request.unit, request.start, request.end) == ("r2", format_ts(start), format_ts(start + timedelta(hours=3)))

    details.track_to.setDateTime(details.track_from.dateTime().addSecs(-60))  # ends before it starts
    qtbot.mouseClick(details.show_track, Qt.LeftButton)
    assert len(sent) == 1
    assert "after its start" in details.track_status.text()
    details.track_range.setCurrentIndex(0)
    assert not details.custom_range.isVisible()
