"""The duty dialog against a real broker and gateway: what is open is listed, the handover is logged with its notes."""

from PySide6.QtCore import Qt
from support import RunningGateway, wait_until

from console.bus_client import BusClient
from console.handover_dialog import HandoverDialog
from radios.bus import BusSettings
from radios.schema import Alarm, Message, Task


def test_a_handover_lists_what_is_open_and_is_logged_with_its_notes(broker, tmp_path, qtbot):
    with RunningGateway(broker, tmp_path) as running:
        store = running.store
        assert store.add_alarm(Alarm.create("bodycam-r1", alarm_kind="sos", text="Rescue 1: SOS pressed",
                                            unit="r1")).result(timeout=5)
        assert store.put_task(Task.create("console", task_kind="checkpoint", title="Bridge east end", lat=30.3,
                                          lon=120.1, units=["r1"], status="assigned")).result(timeout=5)
        assert store.put_task(Task.create("console", task_kind="checkpoint", title="Closed gate", lat=30.3,
                                          lon=120.1, status="done")).result(timeout=5)
        assert store.add_message_payload(Message.create("console", to="r2", text="Hold position",
                                                        category="order")).result(timeout=5)
        bus = BusClient(BusSettings(broker.host, broker.port, "seat-under-test"), running.gateway.topics,
                        source="console@test")
        bus.start()
        qtbot.waitUntil(lambda: bus.state == "up", timeout=5000)
        try:
            dialog = HandoverDialog(bus, "commander", "handover")
            qtbot.addWidget(dialog)
            dialog.show()
            qtbot.waitUntil(lambda: dialog.summary is not None, timeout=5000)
            assert dialog.summary.counts == {"alarms": 1, "tasks": 1, "orders": 1}
            branches = [dialog.open_items.topLevelItem(i) for i in range(3)]
            assert [b.text(0) for b in branches] == ["Alarms not acknowledged: 1", "Tasks not done: 1",
                                                     "Orders not delivered: 1"]
            assert branches[1].child(0).text(0) == "Checkpoint · Bridge east end · r1"
            assert branches[2].child(0).text(1) == "◷ queued"
            assert dialog.next_person.isEnabled()
            dialog.action.setCurrentIndex(dialog.action.findData("shift_end"))
            assert not dialog.next_person.isEnabled()
            dialog.action.setCurrentIndex(dialog.action.findData("handover"))
            qtbot.keyClicks(dialog.person, "Li Wei")
            qtbot.keyClicks(dialog.next_person, "Wang Fang")
            dialog.notes.setPlainText("Bridge closed to traffic; 北门 open for ambulances")
            with qtbot.waitSignal(dialog.recorded, timeout=5000) as recorded:
                qtbot.mouseClick(dialog.record_button, Qt.LeftButton)
            assert "Recorded" in dialog.status.text() and dialog.record_button.isEnabled()
            assert wait_until(lambda: any(e.id == recorded.args[0] for e in store.events_since(None)), 5)
            (entry,) = [e for e in store.events_since(None) if e.category == "duty"]
            assert entry.seat == "commander" and "from Li Wei to Wang Fang" in entry.text
            assert "Notes: Bridge closed to traffic; 北门 open for ambulances" in entry.text
            assert "- Task \u201cBridge east end\u201d: assigned, units r1" in entry.text
            dialog.notes.setPlainText("x" * 2500)
            assert dialog.record() is None and "too long" in dialog.status.text()
        finally:
            bus.stop()
