"""Per-recipient receipts of a message: kept by the store moving forward only, and checked on the wire."""

import json

import pytest

from radios.schema import MAX_RECEIPTS, Message, PayloadError, decode
from radios.store import Store


def order(**fields) -> Message:
    return Message.create("console@test", to="group:responders", text="Move to the north bank", **fields)


def test_the_store_keeps_each_recipients_furthest_receipt(tmp_path):
    store = Store(tmp_path / "mcv.sqlite3")
    try:
        sent = order()
        assert store.add_message_payload(sent).result(5)
        assert store.message(sent.id).receipts == []
        assert store.message_receipt(sent.id, "r2", "read").result(5)
        assert store.message_receipt(sent.id, "r1", "delivered").result(5)
        assert not store.message_receipt(sent.id, "r2", "delivered").result(5)  # read already: no step back
        assert not store.message_receipt(sent.id, "r1", "delivered").result(5)  # a repeat moves nothing
        assert store.message(sent.id).receipts == [["r1", "delivered"], ["r2", "read"]]
        assert store.message_receipt(sent.id, "r1", "read").result(5)
        assert store.message(sent.id).receipts == [["r1", "read"], ["r2", "read"]]
    finally:
        store.close()


@pytest.mark.parametrize("receipts", [
    [["r1"]], [["r1", "lost"]], [["r1", "read", "extra"]], ["r1"], [[1, "read"]], [["a/b", "read"]],
    [["", "read"]], [[None, "read"]], [["r1", None]], [["r" * 200, "read"]],
    [[f"r{n}", "read"] for n in range(MAX_RECEIPTS + 1)],
])
def test_malformed_receipts_are_refused_with_a_reason(receipts):
    raw = order().to_dict() | {"receipts": receipts}
    with pytest.raises(PayloadError):
        decode(json.dumps(raw).encode(), Message)


def test_receipts_travel_on_the_bus():
    sent = order(receipts=[["r1", "read"], ["r3", "delivered"]])
    assert decode(sent.encode(), Message) == sent
