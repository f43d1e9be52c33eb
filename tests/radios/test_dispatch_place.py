"""HQ's media server as a person may read it: ``scheme://host:port`` from a ``[dispatch] url``,
never its template, path, query or login; hostile or broken urls name no server at all."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from radios.dispatch_place import display_target, split_target

SHOWN = re.compile(r"[a-z][a-z0-9+.-]*://(\[[0-9a-f:.]+\]|[\w.-]+)(:\d{1,5})?")


@pytest.mark.parametrize(("url", "shown"), [
    ("srt://hq.example:9000?streamid=publish:mcv-1/{stream}&mode=caller", "srt://hq.example:9000"),
    ("srt://hq-user:Hunter2pass@hq.example:9000?passphrase=TopSecret123&latency=800000", "srt://hq.example:9000"),
    ("srt://hq-user:****@hq.example:9000?streamid=publish:mcv-1/{stream}", "srt://hq.example:9000"),
    ("rtmp://hq.example/live/{vehicle}-{stream}?key={password}", "rtmp://hq.example:1935"),
    ("rtmp://streamkey@hq.example:1936/live/SECRETKEY", "rtmp://hq.example:1936"),
    ("RTMPS://HQ.Example.ORG/app/name", "rtmps://hq.example.org:443"),
    ("srt://u:p@[2001:DB8::1]:9000?passphrase=x", "srt://[2001:db8::1]:9000"),
    ("srt://10.20.0.5:8890", "srt://10.20.0.5:8890"),
    ("srt://hq.example:9000#frag@evil.example:1", "srt://hq.example:9000"),
    ("srt://a:b@c@hq.example:9000", "srt://hq.example:9000"),
    ("srt://指挥中心.example:9000", "srt://指挥中心.example:9000"),
])
def test_only_the_scheme_host_and_port_are_kept(url, shown):
    assert display_target(url) == shown
    assert display_target(shown) == shown  # what the gateway retains reads the same at a seat


@pytest.mark.parametrize("url", [
    "", "hq.example:9000", "://hq:9000", "srt://", "srt://:9000", "srt://hq:port", "srt://hq:99999",
    "srt://{vehicle}.hq:9000", "srt://h%41:9000", "srt://hq\x07bell:9000", "srt://-hq:9000", "srt://h q:9000",
    "srt://[::1:9000", "\x00srt://hq:9000", "s r t://hq:9000", "srt://" + "a" * 300 + ":9000",
    "1srt://hq:9000", "verylongschemename123://hq:9000",
    None, 9000, b"srt://hq:9000", ["srt://hq:9000"],
])
def test_a_url_that_names_no_plain_server_names_none(url):
    assert display_target(url) == ""
    assert split_target(url) is None


def test_split_gives_the_protocol_and_the_place():
    assert split_target("srt://user:pw@hq.example:9000?passphrase=x") == ("srt", "hq.example:9000")
    assert split_target("rtmp://hq.example/live/key") == ("rtmp", "hq.example:1935")


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=120), st.sampled_from(["srt", "rtmp", "rtmps", "SRT", ""]),
       st.text(alphabet="@:/?#[]%{}&=. \t\n\x00abc019-_", max_size=40))
def test_whatever_the_url_what_is_shown_is_a_bare_server_and_no_secret(noise, scheme, tail):
    secret = "Passw0rdSecret"
    for url in (noise, f"{scheme}://{noise}", f"{scheme}://user:{secret}@{tail}",
                f"{scheme}://{tail}?passphrase={secret}", f"{scheme}://{tail}/live/{secret}"):
        shown = display_target(url)
        assert shown == "" or SHOWN.fullmatch(shown), (url, shown)
        assert secret.lower() not in shown.lower(), (url, shown)
