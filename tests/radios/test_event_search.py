"""The incident log's search and its append-only rule."""

import sqlite3

import pytest

from radios.schema import Event
from radios.store import Store


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "mcv.sqlite3") as opened:
        entries = [
            ("situation", "warning", "Water 0.4 m at Gongchen Bridge underpass"),
            ("order", "info", "Pump team to Gongchen Bridge"),
            ("situation", "info", "拱宸桥下穿通道积水 0.4 米"),
            ("safety", "alarm", "SOS from Rescue 2 — 100% humid, 50_50 chance"),
            ("note", "info", "水位上涨"),
        ]
        for category, severity, text in entries:
            opened.add_event(Event.create("test", category=category, severity=severity, text=text)).result(5)
        yield opened


def texts(events):
    return [e.text for e in events]


def test_english_words_are_found(store):
    assert texts(store.search_events("gongchen")) == ["Water 0.4 m at Gongchen Bridge underpass",
                                                      "Pump team to Gongchen Bridge"]


def test_chinese_text_is_found_without_word_breaks(store):
    assert texts(store.search_events("下穿通道")) == ["拱宸桥下穿通道积水 0.4 米"]
    assert texts(store.search_events("水位")) == ["水位上涨"]  # two characters: below the trigram size


def test_filters_combine_with_the_query(store):
    assert texts(store.search_events("Gongchen", category="order")) == ["Pump team to Gongchen Bridge"]
    assert texts(store.search_events(severity="alarm")) == ["SOS from Rescue 2 — 100% humid, 50_50 chance"]


def test_search_syntax_in_the_query_is_taken_literally(store):
    assert store.search_events('" OR *') == []
    assert texts(store.search_events("0%")) == ["SOS from Rescue 2 — 100% humid, 50_50 chance"]
    assert texts(store.search_events("0_")) == ["SOS from Rescue 2 — 100% humid, 50_50 chance"]
    assert store.search_events("%%") == []


def test_a_correction_is_a_new_entry_pointing_at_the_old_one(store):
    wrong = store.search_events("Pump team")[0]
    fix = Event.create("test", category="order", text="Pump team to Gongchen Bridge north ramp", corrects=wrong.id)
    store.add_event(fix).result(5)
    found = store.search_events("Pump team")
    assert [e.id for e in found] == [wrong.id, fix.id]
    assert found[1].corrects == wrong.id


def test_entries_cannot_be_changed_or_removed(store):
    conn = sqlite3.connect(store.path)
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("UPDATE events SET text = 'rewritten'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("DELETE FROM events")
    finally:
        conn.close()
