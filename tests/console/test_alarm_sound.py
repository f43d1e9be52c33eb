"""The alarm sound on every seat: libvlc loops the tone (its dummy audio output here) until acknowledged or muted."""

import wave

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from support import RunningGateway, open_seat

from console.alarm_bar import AlarmBar
from console.alarm_sound import AlarmSoundController, should_sound
from console.bus_client import BusClient
from radios.bus_settings import BusSettings
from radios.schema import Alarm, Topics
from video.alarm_tone import (
    CYCLES, SAMPLE_RATE, TONE_S, TONES_HZ, AlarmTonePlayer, alarm_tone_file, audio_output_problem, chosen_output,
)


@pytest.fixture
def running(broker, tmp_path):
    with RunningGateway(broker, tmp_path) as gateway:
        yield gateway


@pytest.fixture
def dummy_audio(monkeypatch):
    monkeypatch.setenv("MCV_AUDIO_OUTPUT", "dummy")


def test_an_sos_sounds_on_every_seat_until_a_person_acknowledges_it(running, qtbot, dummy_audio):
    commander, comms = open_seat(running.config, "commander", qtbot), open_seat(running.config, "comms", qtbot)
    try:
        sounds = [console.window.alarm_bar.sound for console in (commander, comms)]
        assert not any(sound.sounding for sound in sounds)
        alarm = Alarm.create("bodycam-r2", alarm_kind="sos", text="Rescue 2 trapped by water", unit="r2")
        running.gateway.alarm_desk.raise_alarm(alarm)
        for sound in sounds:
            qtbot.waitUntil(lambda: sound.sounding, timeout=5000)
            assert sound.mute_button.isVisible() and not sound.note.isVisible()
        qtbot.mouseClick(commander.window.alarm_bar.acknowledge, Qt.LeftButton)
        for sound in sounds:
            qtbot.waitUntil(lambda: not sound.sounding, timeout=5000)
            assert not sound.mute_button.isVisible()
    finally:
        commander.stop()
        comms.stop()


def offline_bar(qtbot) -> tuple[AlarmBar, BusClient, QWidget]:
    bus = BusClient(BusSettings("127.0.0.1", 1, "test-alarm-sound"), Topics("test-1"), source="console@test")
    parent = QWidget()
    qtbot.addWidget(parent)
    bar = AlarmBar(bus, lambda: "commander", parent)
    parent.show()
    return bar, bus, parent


def deliver(bus: BusClient, alarm: Alarm, qtbot) -> None:
    with qtbot.waitSignal(bus.alarm_changed, timeout=2000):
        bus._on_bus_message(bus.topics.alarm(alarm.id), alarm.encode(), True)


def test_mute_silences_the_open_alarms_here_and_a_new_alarm_sounds_again(qtbot, dummy_audio):
    bar, bus, _window = offline_bar(qtbot)
    sound = bar.sound
    try:
        first = Alarm.create("gw", alarm_kind="sos", text="first", unit="r1")
        deliver(bus, first, qtbot)
        qtbot.waitUntil(lambda: sound.sounding, timeout=5000)
        qtbot.mouseClick(sound.mute_button, Qt.LeftButton)
        qtbot.waitUntil(lambda: not sound.sounding, timeout=5000)
        assert first.id in bar.open_alarms and not sound.mute_button.isVisible()   # still open, still flashing
        second = Alarm.create("gw", alarm_kind="battery", text="second", unit="drone-1")
        deliver(bus, second, qtbot)
        qtbot.waitUntil(lambda: sound.sounding, timeout=5000)
        deliver(bus, Alarm.from_dict({**second.to_dict(), "state": "acknowledged", "acknowledged_by": "comms"}), qtbot)
        qtbot.waitUntil(lambda: not sound.sounding, timeout=5000)   # only the muted one is left
        assert sound.muted == {first.id}
    finally:
        sound.close()


def test_a_seat_without_sound_says_so_and_keeps_flashing(qtbot, tmp_path):
    cards = tmp_path / "cards"
    cards.write_text("--- no soundcards ---\n")
    problem = audio_output_problem(environ={"XDG_RUNTIME_DIR": str(tmp_path)}, asound_cards=cards)
    assert "no sound card" in problem
    player = AlarmTonePlayer(tmp_path / "unused.wav", "alsa")
    player.problem = problem
    bus = BusClient(BusSettings("127.0.0.1", 1, "test-no-sound"), Topics("test-1"), source="console@test")
    parent = QWidget()
    qtbot.addWidget(parent)
    bar = AlarmBar(bus, lambda: "commander", parent)
    sound = AlarmSoundController(bar, player)
    parent.show()
    deliver(bus, Alarm.create("gw", alarm_kind="sos", text="no speakers", unit="r1"), qtbot)
    qtbot.waitUntil(lambda: sound.note.isVisible(), timeout=2000)
    assert "no sound card" in sound.note.toolTip() and not sound.sounding and not sound.mute_button.isVisible()
    assert bar._flash.isActive()
    sound.close()


def test_audio_output_probe_and_choice(tmp_path):
    (tmp_path / "pulse").mkdir()
    (tmp_path / "pulse" / "native").write_text("")
    missing = tmp_path / "no-such-cards"
    assert audio_output_problem(environ={"XDG_RUNTIME_DIR": str(tmp_path)}, asound_cards=missing) is None
    assert audio_output_problem(environ={"PULSE_SERVER": "tcp:10.0.0.2"}, asound_cards=missing) is None
    card = tmp_path / "cards"
    card.write_text(" 0 [PCH            ]: HDA-Intel - HDA Intel PCH\n")
    assert audio_output_problem(environ={}, asound_cards=card) is None
    assert audio_output_problem(environ={}, asound_cards=missing) is not None
    assert chosen_output({"XDG_RUNTIME_DIR": str(tmp_path)}) == "pulse"
    assert chosen_output({}) == "alsa"
    assert chosen_output({"MCV_AUDIO_OUTPUT": "Dummy"}) == "dummy"
    assert chosen_output({"MCV_AUDIO_OUTPUT": "--evil"}) == "alsa"
    assert AlarmTonePlayer(tmp_path / "t.wav", "none").play() is False
    assert should_sound({"a", "b"}, {"a"}) and not should_sound({"a"}, {"a"}) and not should_sound(set(), set())


def test_the_tone_is_a_two_tone_wav_written_once(tmp_path):
    path = alarm_tone_file(tmp_path)
    with wave.open(str(path)) as tone:
        assert (tone.getnchannels(), tone.getsampwidth(), tone.getframerate()) == (1, 2, SAMPLE_RATE)
        frames = tone.readframes(tone.getnframes())
    samples = memoryview(frames).cast("h")
    assert len(samples) == int(SAMPLE_RATE * TONE_S) * len(TONES_HZ) * CYCLES
    per_tone = int(SAMPLE_RATE * TONE_S)
    for index, hz in enumerate(TONES_HZ):   # the pitch, from zero crossings of each quarter second
        part = samples[index * per_tone:(index + 1) * per_tone]
        crossings = sum(1 for a, b in zip(part, part[1:]) if (a < 0) != (b < 0))
        assert crossings == pytest.approx(2 * hz * TONE_S, rel=0.03)
    assert max(abs(s) for s in samples) > 15_000 and abs(samples[0]) < 200   # loud, and faded in
    stamp = path.stat().st_mtime_ns
    assert alarm_tone_file(tmp_path) == path and path.stat().st_mtime_ns == stamp


def test_a_data_folder_that_cannot_hold_the_tone_is_a_note_not_a_crash(qtbot, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    bar, bus, _window = offline_bar(qtbot)
    deliver(bus, Alarm.create("gw", alarm_kind="sos", text="disk trouble", unit="r1"), qtbot)
    qtbot.waitUntil(lambda: bar.sound.note.isVisible(), timeout=2000)
    assert "cannot be written" in bar.sound.note.toolTip() and not bar.sound.sounding
    bar.sound.close()
