"""DispatchTarget: the URL from the [dispatch] template, ffmpeg's arguments, and ffmpeg's errors
turned into sentences without secrets, malformed and hostile lines included."""

from __future__ import annotations

import pytest

from radios.config import DispatchConfig
from video.dispatch_policy import COPY, TRANSCODE, DispatchPlan
from video.dispatch_target import MAX_REASON_CHARS, DispatchTarget

SECRET = "s3cret-passphrase"
SRT = DispatchTarget.for_stream(DispatchConfig(url="srt://hq.example:9000?streamid={vehicle}/{stream}",
                                               password=SECRET), "mcv-1", "drone1")
RTMP = DispatchTarget.for_stream(DispatchConfig(url="rtmp://hq.example/live/{vehicle}-{stream}?key={password}",
                                                password=SECRET), "mcv-1", "cam2")


def test_the_template_is_filled_in_and_the_secret_is_shown_masked():
    assert SRT.url == "srt://hq.example:9000?streamid=mcv-1/drone1&mode=caller"
    assert SRT.passphrase == SECRET and SECRET not in SRT.shown_url and SECRET not in repr(SRT)
    assert RTMP.url.endswith(f"live/mcv-1-cam2?key={SECRET}")
    assert RTMP.shown_url == "rtmp://hq.example/live/mcv-1-cam2?key=****"
    assert RTMP.passphrase is None and RTMP.format == "flv" and SRT.format == "mpegts"
    with_login = DispatchTarget.for_stream(DispatchConfig(url="rtmp://mcv:{password}@hq/live/x", password=SECRET),
                                           "v", "s")
    assert SECRET not in with_login.shown_url and "mcv:****@hq" in with_login.shown_url


def test_a_passphrase_or_key_written_into_the_url_itself_is_masked_like_the_password_files():
    literal = DispatchTarget.for_stream(DispatchConfig(
        url="srt://hq.example:9000?streamid=publish:{vehicle}/{stream}&passphrase=TopSecret123&mode=caller"),
        "mcv-1", "cam1")
    assert "TopSecret123" in literal.url and literal.passphrase is None
    assert literal.shown_url == "srt://hq.example:9000?streamid=publish:mcv-1/cam1&passphrase=****&mode=caller"
    sentence = literal.explain([f"Connection to {literal.url} failed: TopSecret123 rejected"], 1)
    assert "TopSecret123" not in sentence and "TopSecret123" not in literal.scrub(literal.url)
    keyed = DispatchTarget.for_stream(DispatchConfig(url="rtmp://hq.example/live/x?KEY=abcdef123456"), "v", "s")
    assert "abcdef123456" not in keyed.shown_url and "abcdef123456" not in keyed.scrub(f"error: {keyed.url}")


def test_a_listener_mode_in_the_template_is_kept():
    target = DispatchTarget.for_stream(DispatchConfig(url="srt://hq:9000?mode=rendezvous"), "v", "s")
    assert target.url.count("mode=") == 1 and target.passphrase is None


def test_copy_sends_the_video_as_it_is_and_the_args_are_a_list_ending_in_the_url():
    args = SRT.ffmpeg_args(DispatchPlan("drone1", COPY, 2500))
    # SRT: the child writes to its stdout and the gateway sends it, so no secret is on its command line.
    assert args[0] == "/usr/bin/ffmpeg" and args[-1] == "pipe:1" and SRT.sends_srt
    assert "-passphrase" not in args and not any(SECRET in arg or "srt://" in arg for arg in args)
    assert RTMP.ffmpeg_args(DispatchPlan("cam2", COPY, 2500))[-1] == RTMP.url and not RTMP.sends_srt
    assert args[args.index("-c:v") + 1] == "copy" and "libx264" not in args
    assert args[args.index("-f", args.index("pipe:0")) + 1] == "mpegts"
    assert args[args.index("pipe:0") - 3:args.index("pipe:0")] == ["-f", "nut", "-i"]  # sized packets: no wait


def test_transcode_caps_the_encoder_with_a_vbv_within_the_plan():
    args = RTMP.ffmpeg_args(DispatchPlan("cam2", TRANSCODE, 500, video_kbps=400, width=640, height=360, fps=15))
    assert args[args.index("-c:v") + 1] == "libx264"
    assert args[args.index("-b:v") + 1] == args[args.index("-maxrate") + 1] == "400k"
    assert args[args.index("-bufsize") + 1] == "200k"
    assert "scale=640:360,fps=15" in args and "zerolatency" in args and "ultrafast" in args
    assert "-passphrase" not in args


@pytest.mark.parametrize(("lines", "expected"), [
    (["12:36:08.198071/SRT:RcvQ:w1!W:SRT.cn: processAsyncConnectRequest: REJECT reported from HS processing: "
      "Incorrect passphrase - not processing further",
      "[srt @ 0x55623d343b40] Connection to srt://hq.example:9000?streamid=mcv-1/drone1&mode=caller failed: "
      "Input/output error"], "refused the SRT passphrase"),
    (["[srt @ 0x5] Connection to srt://hq.example:9000 failed: Input/output error"], "did not answer"),
    (["[tcp @ 0x5631193bb0c0] Connection to tcp://127.0.0.1:40119?tcp_nodelay=0 failed: Connection refused"],
     "refused the connection"),
    (["[rtmp @ 0x1] Server error: NetStream.Publish.BadName"], "refused the stream's key or login"),
    (["[srt @ 0x1] Failed to resolve hostname hq.example: Name or service not known"], "is unknown"),
    (["pipe:0: Invalid data found when processing input"], "could not be read"),
])
def test_ffmpeg_errors_become_one_sentence_naming_the_fix(lines, expected):
    sentence = SRT.explain(lines, 1)
    assert expected in sentence and SECRET not in sentence
    assert ("hq.example" in sentence) == ("camera" not in sentence)  # names the server, or the camera


def test_a_port_that_holds_403_is_not_read_as_a_refused_login():
    target = DispatchTarget.for_stream(DispatchConfig(url="srt://127.0.0.1:40317"), "test-1", "cam1")
    lines = [f"[srt @ 0x55d] Connection to {target.shown_url} failed: Input/output error",
             "srt://127.0.0.1:40317: Input/output error"]
    assert "did not answer" in target.explain(lines, 1)
    assert "refused the stream's key or login" in RTMP.explain(["Server error: 403 Forbidden"], 1)


def test_an_rtmp_connection_that_breaks_is_tried_again():
    assert "tried again" in RTMP.explain(["av_interleaved_write_frame(): Broken pipe"], 1)


def test_hostile_and_empty_output_gives_a_bounded_printable_sentence_without_secrets():
    assert "exit status 255" in SRT.explain([], 255)
    hostile = [f"weird \x1b[31m{SECRET}\x00 " + "x" * 5000, f"error at {SRT.url} with {SECRET}\x07"]
    sentence = SRT.explain(hostile, 1)
    assert SECRET not in sentence and SRT.url not in sentence.replace(SRT.shown_url, "")
    assert all(ch.isprintable() for ch in sentence)
    assert len(sentence) < MAX_REASON_CHARS + 120
    assert SRT.scrub(f"{RTMP.url}") == RTMP.url.replace(SECRET, "****")


def test_a_missing_ffmpeg_says_what_to_install(tmp_path):
    target = DispatchTarget.for_stream(DispatchConfig(url="srt://hq:9000"), "v", "s", ffmpeg=str(tmp_path / "none"))
    assert "install" in target.available() and DispatchTarget.for_stream(
        DispatchConfig(url="srt://hq:9000"), "v", "s").available() is None


def test_an_rtmp_push_has_a_send_buffer_of_a_second_of_its_share_so_a_full_link_holds_it_back():
    from video.dispatch_target import MIN_SEND_BUFFER, send_buffer_bytes

    args = RTMP.ffmpeg_args(DispatchPlan("cam2", TRANSCODE, 2000, video_kbps=1600, width=1280, height=720, fps=25))
    assert args[args.index("-send_buffer_size") + 1] == str(250_000) == str(send_buffer_bytes(2000))
    assert args.index("-send_buffer_size") < len(args) - 1 and args[-1] == RTMP.url
    assert send_buffer_bytes(100) == MIN_SEND_BUFFER and send_buffer_bytes(0) == MIN_SEND_BUFFER
    assert "-send_buffer_size" not in SRT.ffmpeg_args(DispatchPlan("drone1", COPY, 2000))  # libsrt has its own


def test_the_srt_senders_failures_are_sentences_naming_the_server_and_the_fix():
    from video import srt_library
    from video.srt_report import SETTINGS, UNAVAILABLE, SenderFailure

    def said(text: str, code: int = 0, reject: int | None = None, kind: str = "srt") -> str:
        sentence = SRT.explain_srt(SenderFailure(text, kind, code, reject))
        assert SECRET not in sentence and "hq.example:9000" in sentence or "unknown" in sentence \
            or kind != "srt"
        return sentence

    assert "refused the SRT passphrase" in said(
        "SRT: connection to hq.example:9000 failed: rejected; reject reason BADSECRET (Wrong password)",
        srt_library.SRT_ECONNREJ, srt_library.SRT_REJ_BADSECRET)
    assert "did not answer" in said("SRT: … reject reason TIMEOUT (Connection timeout)",
                                    srt_library.SRT_ENOSERVER, srt_library.SRT_REJ_TIMEOUT)
    assert "did not answer or went away" in said("SRT: connection lost: Connection was broken",
                                                 srt_library.SRT_ECONNLOST)
    assert "wants an SRT passphrase" in said("SRT: … UNSECURE", srt_library.SRT_ECONNREJ,
                                             srt_library.SRT_REJ_UNSECURE)
    assert "its code 1403" in said("SRT: … SERVER 1403", srt_library.SRT_ECONNREJ, 1403)
    assert "is unknown" in said("SRT: failed to resolve hostname hq.example: Name or service not known")
    assert "libsrt1.5-gnutls" in said("libsrt 1.5 is missing; install Debian's libsrt1.5-gnutls "
                                      "(installer/setup.sh) to send video to HQ by SRT", kind=UNAVAILABLE)
    assert SECRET not in said(f"the SRT passphrase {SECRET} must be 10 to 79 characters", kind=SETTINGS)
    hostile = SRT.explain_srt(SenderFailure(f"SRT: \x1b[31m{SECRET}\x00 " + "x" * 5000, "srt", 0, 2))
    assert SECRET not in hostile and len(hostile) < 400


def test_an_srt_url_the_sender_cannot_use_is_said_before_any_child_starts():
    bad = DispatchTarget.for_stream(DispatchConfig(url="srt://hq:9000?latency=soon&x=1", password=SECRET), "v", "s")
    assert "latency" in bad.available() and "whole number" in bad.available()
    listener = DispatchTarget.for_stream(DispatchConfig(url="srt://hq:9000?mode=listener"), "v", "s")
    assert "mode=caller" in listener.available()
    short = DispatchTarget.for_stream(DispatchConfig(url="srt://hq:9000", password="short"), "v", "s")
    assert "10 to 79" in short.available()
    assert SRT.available() is None
