"""A seat's message to a TAK user: GeoChat on the wire, ``sent`` when a CoT link wrote it, ``delivered`` and
``read`` from the device's GeoChat receipts; through a real broker, a gateway, a relaying TAK server and pytak."""

import sys
import threading
from pathlib import Path

import pytest
from support import Recorder, RunningGateway, wait_until

sys.path.insert(0, str(Path(__file__).parent))  # tak_peer.py sits beside this file
from tak_peer import ATAK_SA, TakServer, pytak_receive, pytak_send  # noqa: E402

from radios.cot import CotError, parse  # noqa: E402
from radios.schema import Message, decode  # noqa: E402

ALPHA = "ANDROID-359975090666199"   # the uid in ATAK_SA; its callsign is ALPHA-1


def receipt(kind: str, message_id: str, device: str = ALPHA, detail: str | None = None) -> bytes:
    """A GeoChat receipt as ATAK sends one: b-t-f-d (delivered) or b-t-f-r (read), <__chatreceipt messageId>."""
    chat = detail if detail is not None else (
        f'<__chatreceipt parent="RootContactGroup" groupOwner="false" messageId="{message_id}" chatroom="Command"'
        f' id="{device}" senderCallsign="ALPHA-1"><chatgrp uid0="{device}" uid1="mcv-test-1-console"'
        f' id="{device}"/></__chatreceipt>')
    return (f'<event version="2.0" uid="{message_id}" type="{kind}" how="h-g-i-g-o" time="2026-11-29T10:00:00Z"'
            f' start="2026-11-29T10:00:00Z" stale="2026-11-30T10:00:00Z"><point lat="30.27" lon="120.15" hae="0"'
            f' ce="9999999" le="9999999"/><detail>{chat}<link uid="{device}" type="a-f-G-U-C" relation="p-p"/>'
            f'</detail></event>').encode()


def test_receipts_are_parsed_and_broken_ones_refused():
    delivered, read = parse(receipt("b-t-f-d", "m-1")), parse(receipt("b-t-f-r", "m-1"))
    assert (delivered.receipt_state, delivered.receipt_for, delivered.link_uid) == ("delivered", "m-1", ALPHA)
    assert (read.receipt_state, read.receipt_for) == ("read", "m-1")
    assert parse(receipt("b-t-f-d", "m-2", detail='<__chat messageId="m-2" chatroom="x" id="x"/>')).receipt_for == "m-2"
    assert parse(ATAK_SA).receipt_state is None
    for broken in ('<__chatreceipt chatroom="x"/>', '<__chatreceipt messageId="   "/>', ""):
        with pytest.raises(CotError, match="chat receipt"):
            parse(receipt("b-t-f-r", "m-3", detail=broken))
    long_id = parse(receipt("b-t-f-d", "m-4", detail=f'<__chatreceipt messageId="{"m" * 5000}"/>'))
    assert len(long_id.receipt_for) <= 128


def states(running, message_id: str) -> str | None:
    message = running.store.message(message_id)
    return message.state if message else None


def test_a_message_to_a_tak_user_is_geochat_sent_delivered_and_read(broker, tmp_path):
    with TakServer() as server:
        extra = f'\n[[links]]\nid = "takserver"\ntype = "cot"\nurl = "{server.url}"\n'
        with RunningGateway(broker, tmp_path, extra) as running:
            topics = running.gateway.topics
            assert wait_until(lambda: running.gateway.links["takserver"].is_open and server.clients == 1, 10)
            pytak_send(server.url, [ATAK_SA])   # ALPHA-1 is heard: a contact a seat may write to
            assert wait_until(lambda: running.gateway.tak.carries(ALPHA), 10)

            heard: list[bytes] = []
            device = threading.Thread(target=lambda: heard.extend(
                pytak_receive(server.url, lambda data: b'type="b-t-f"' in data, timeout_s=15)))
            device.start()   # ALPHA-1's ATAK, connected to the same TAK server
            try:
                assert wait_until(lambda: server.clients == 2, 10)
                order = Message.create("console@commander", to=ALPHA, text="ALPHA, hold at the east gate",
                                       category="order", seat="commander")
                with Recorder(broker, topics.message_state(order.id), "commander") as seat:
                    answer = decode(seat.bus.request_sync(topics.command("message"), order.encode(), 5), Message)
                    assert answer.state in ("queued", "sent")
                    assert wait_until(lambda: states(running, order.id) == "sent", 10)
                    assert running.store.message(order.id).by == "cot/takserver"
                    device.join(20)
                    assert not device.is_alive()
                    chats = [parse(data) for data in heard if b'type="b-t-f"' in data]
                    assert chats and chats[-1].chat_text == "ALPHA, hold at the east gate"
                    assert chats[-1].chat_recipients == (ALPHA,) and chats[-1].uid.endswith(order.id)

                    pytak_send(server.url, [receipt("b-t-f-d", order.id)])
                    assert wait_until(lambda: states(running, order.id) == "delivered", 10)
                    pytak_send(server.url, [receipt("b-t-f-r", order.id)])
                    assert wait_until(lambda: states(running, order.id) == "read", 10)
                    assert running.store.message(order.id).by == "ALPHA-1"
                    assert wait_until(lambda: seat.on(topics.message_state(order.id))
                                      and decode(seat.on(topics.message_state(order.id))[-1], Message).state == "read",
                                      5)
                    # receipts TAK users send each other, and a repeated one, change nothing and are no bad input
                    errors = running.gateway.bad_input.count()
                    pytak_send(server.url, [receipt("b-t-f-r", "someone-elses-chat"), receipt("b-t-f-d", order.id)])
                    pytak_send(server.url, [ATAK_SA])
                    assert wait_until(lambda: running.store.units() and running.gateway.links["takserver"]
                                      .status().messages_in >= 6, 10)
                    assert states(running, order.id) == "read" and running.gateway.bad_input.count() == errors
            finally:
                device.join(20)

            server.drop_clients()
            server._listener.close()   # the TAK server is gone: nothing can carry the next message
            assert wait_until(lambda: not running.gateway.links["takserver"].is_open, 10)
            lost = Message.create("console@commander", to=ALPHA, text="ALPHA, report", seat="commander")
            with Recorder(broker, "none", "commander-2") as seat:
                seat.bus.request_sync(topics.command("message"), lost.encode(), 5)
                assert wait_until(lambda: states(running, lost.id) == "failed", 10)
            assert "no TAK link open" in running.store.message(lost.id).by
