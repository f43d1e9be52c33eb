"""The uplink panel names HQ's media server as ``SRT to host:port``: never the ``[dispatch] url``'s
template, its login, its stream key or its passphrase. A real gateway retains the ``dispatch``
payload on a real broker and a real seat's bus client hands it to the panel; a payload from an
older gateway, which retained the whole url, is cleaned at the seat."""

from __future__ import annotations

import pytest
from support import RunningGateway, retain

from console.bus_client import BusClient
from console.dispatch_actions import DispatchActions
from console.uplink_panel import UplinkPanel
from radios.broker import free_port
from radios.bus import BusSettings
from radios.schema import DispatchState, Topics

FILE_SECRET = "FilePassphrase2024"
SECRETS = ("hq-user", "Hunter2pass", "TopSecret123", FILE_SECRET, "passphrase", "streamid", "/live/", "mcv-1", "test-1")
TEMPLATE = ("{", "}", "****", "?", "@")


def panel_on(bus: BusClient, qtbot) -> tuple[DispatchActions, UplinkPanel]:
    actions = DispatchActions(bus, lambda: "commander")
    panel = UplinkPanel(actions, lambda: [])
    qtbot.addWidget(panel)
    return actions, panel


def assert_nothing_secret(text: str, pieces: tuple[str, ...] = SECRETS + TEMPLATE) -> None:
    for piece in pieces:
        assert piece not in text, (piece, text)


@pytest.mark.parametrize(("url", "shown"), [
    ("srt://hq-user:Hunter2pass@127.0.0.1:{port}?streamid=publish:{{vehicle}}/{{stream}}"
     "&passphrase=TopSecret123&latency=800000", "SRT to 127.0.0.1:{port}"),
    ("rtmp://hq-user:Hunter2pass@127.0.0.1:{port}/live/{{vehicle}}-{{stream}}?key={{password}}",
     "RTMP to 127.0.0.1:{port}"),
], ids=["srt", "rtmp"])
def test_the_gateway_retains_hqs_server_only_and_the_panel_names_it(broker, tmp_path, qtbot, url, shown):
    port = free_port()
    secret_file = tmp_path / "dispatch.password"
    secret_file.write_text(FILE_SECRET)
    secret_file.chmod(0o600)
    extra = f'\n[dispatch]\nurl = "{url.format(port=port)}"\npassword_file = "dispatch.password"\n'
    with RunningGateway(broker, tmp_path, extra) as running:
        bus = BusClient(BusSettings(broker.host, broker.port, "seat-target"), running.gateway.topics,
                        source="console@test")
        actions, panel = panel_on(bus, qtbot)
        bus.start()
        try:
            qtbot.waitUntil(lambda: actions.state is not None, timeout=10_000)  # retained at the gateway's start
            assert actions.state.target == f"{url.partition('://')[0]}://127.0.0.1:{port}"
            assert panel.summary.text().endswith(" · " + shown.format(port=port)), panel.summary.text()
            assert_nothing_secret(panel.summary.text())
            assert_nothing_secret(actions.state.encode().decode(), SECRETS)  # the retained payload
        finally:
            bus.stop()
            actions.deleteLater()


TOPICS = Topics("test-1")


@pytest.mark.parametrize(("target", "shown"), [
    ("srt://hq-user:****@hq.example.org:8890?streamid=publish:mcv-1/{stream}&passphrase=TopSecret123"
     "&mode=caller", "SRT to hq.example.org:8890"),
    ("rtmps://hq.example.org/live/TopSecret123", "RTMPS to hq.example.org:443"),
    ("srt://{vehicle}.hq.example.org:8890?passphrase=TopSecret123", "to HQ's media server"),
    ("srt://hq.example.org:port/Hunter2pass", "to HQ's media server"),
    ("hq-user:Hunter2pass streamid=publish:{stream}", "to HQ's media server"),
    ("", "to HQ's media server"),
], ids=["srt-masked", "rtmps-key", "template-host", "bad-port", "not-a-url", "empty"])
def test_an_older_gateways_full_url_is_cleaned_at_the_seat(broker, qtbot, target, shown):
    bus = BusClient(BusSettings(broker.host, broker.port, "seat-older"), TOPICS, source="console@test")
    actions, panel = panel_on(bus, qtbot)
    bus.start()
    try:
        older = DispatchState.create("gateway", backhaul="down", budget_kbps=900, target=target)
        retain(broker, TOPICS.dispatch, older.encode(), client_id="older-gateway")
        qtbot.waitUntil(lambda: "budget 900 kb/s" in panel.summary.text(), timeout=5000)
        assert panel.summary.text().endswith(" · " + shown), panel.summary.text()
        assert_nothing_secret(panel.summary.text())
    finally:
        bus.stop()
        actions.deleteLater()
