"""The dispatch payloads and the [dispatch] table: what the bus and the config file accept, and what they refuse."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from radios.config import ConfigError, load_config
from radios.schema import DispatchRequest, DispatchState, PayloadError, Topics, decode

ENTRY = {"stream": "cam1", "state": "transcoding", "detail": "to srt://hq:9000, re-encoded", "mode": "transcode",
         "width": 640, "height": 360, "fps": 15, "share_kbps": 500, "out_kbps": 431.5, "source_kbps": 2100.0}


def test_a_request_and_a_state_go_round_the_bus():
    request = DispatchRequest.create("console@seat1", stream="cam1", action="start", seat="commander")
    assert decode(request.encode(), DispatchRequest) == request
    state = DispatchState.create("gateway", backhaul="up", budget_kbps=1400, capacity_kbps=2000,
                                 target="srt://hq:9000", streams=[ENTRY])
    assert decode(state.encode(), DispatchState) == state
    assert Topics("mcv-1").dispatch == "mcv/v1/mcv-1/dispatch"


@pytest.mark.parametrize("change", [
    {"action": "restart"}, {"stream": "a/b"}, {"stream": ""}, {"stream": "#"}, {"stream": 5}, {"seat": ["x"]},
])
def test_bad_requests_are_refused(change):
    data = json.loads(DispatchRequest.create("x" * 8, stream="cam1", action="stop").encode()) | change
    with pytest.raises(PayloadError):
        decode(json.dumps(data).encode())


@pytest.mark.parametrize("entry", [
    "cam1", [], ENTRY | {"state": "exploding"}, ENTRY | {"out_kbps": -1}, ENTRY | {"width": True},
    ENTRY | {"fps": 2.5}, ENTRY | {"stream": "a/b"}, ENTRY | {"extra": 1},
    {k: v for k, v in ENTRY.items() if k != "mode"},
    ENTRY | {"detail": "x" * 5000}, ENTRY | {"source_kbps": "fast"},
])
def test_malformed_stream_entries_are_refused(entry):
    data = json.loads(DispatchState.create("gateway", backhaul="up", budget_kbps=1, streams=[]).encode())
    data["streams"] = [entry]
    with pytest.raises(PayloadError):
        decode(json.dumps(data).encode())


def test_a_state_refuses_an_unknown_backhaul_and_too_many_streams():
    with pytest.raises(PayloadError):
        DispatchState.create("gateway", backhaul="sideways", budget_kbps=0)
    with pytest.raises(PayloadError):
        DispatchState.create("gateway", backhaul="up", budget_kbps=0, streams=[ENTRY] * 65)
    for hostile in (b'{"kind":"dispatch","id":"12345678","ts":"2026-01-01T00:00:00Z","src":"x","backhaul":"up",'
                    b'"budget_kbps":NaN}', b'{"kind":"dispatch"' + b"[" * 5000):
        with pytest.raises(PayloadError):
            decode(hostile)


def test_the_dispatch_table_reads_its_secret_and_refuses_a_wrong_scheme(tmp_path: Path):
    (tmp_path / "dispatch.password").write_text("vehicle-to-hq-2026\n")
    (tmp_path / "dispatch.password").chmod(0o600)
    path = tmp_path / "mcv.toml"
    path.write_text('[dispatch]\nurl = "srt://hq:9000?streamid={vehicle}/{stream}"\n'
                    'password_file = "dispatch.password"\nstream_kbps = 800\n')
    loaded = load_config(path).dispatch
    assert (loaded.password, loaded.stream_kbps, loaded.total_kbps) == ("vehicle-to-hq-2026", 800, 4000)
    assert "vehicle-to-hq-2026" not in repr(loaded)
    path.write_text('[dispatch]\nurl = "http://hq/live"\n')
    with pytest.raises(ConfigError, match="srt://"):
        load_config(path)
    path.write_text('[dispatch]\nurl = "srt://hq:9000"\npassword_file = "missing"\n')
    with pytest.raises(ConfigError, match="password_file"):
        load_config(path)
    path.write_text('[dispatch]\nurl = "srt://hq:9000"\nheadroom_percent = 0\n')
    with pytest.raises(ConfigError, match="headroom_percent"):
        load_config(path)
