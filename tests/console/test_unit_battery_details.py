"""The unit details panel shows a field device's battery when it reports one."""

from PySide6.QtWidgets import QWidget

from console.unit_details_panel import UnitDetailsPanel
from radios.schema import UnitState, new_id, utc_now


def responder(**fields) -> UnitState:
    return UnitState(id=new_id(), ts=utc_now(), src="gateway/trackers", uid="bodycam-r2", unit_kind="responder",
                     callsign="Rescue 2", lat=30.32, lon=120.16, **fields)


def test_battery_in_percent_or_a_dash(qtbot):
    host = QWidget()  # the panel lives on the map view; alone, raise() would warn offscreen
    qtbot.addWidget(host)
    panel = UnitDetailsPanel(host)
    panel.show_unit(responder(battery=80.6))
    assert panel.fields["battery"].text() == "81 %"
    panel.show_unit(responder())
    assert panel.fields["battery"].text() == "—"
