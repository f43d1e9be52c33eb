"""The alarm tone: a two-tone WAV written with the stdlib, looped through libvlc while an alarm is open.

``write_alarm_tone`` writes the tone (alternating 960 Hz and 770 Hz, a quarter second
each, like a European two-tone horn, with short fades so it does not click) as 16-bit mono
PCM; ``alarm_tone_file`` keeps one copy in the data folder, written at first use.
``AlarmTonePlayer`` plays it in a loop through its own libvlc instance until ``stop``.
``audio_output_problem`` says why a seat has no sound before libvlc is asked, because
libvlc with no sound card and no sound server does not fail: it keeps retrying ALSA and
floods the log. Qt-free; ``console/alarm_sound.py`` decides when the tone sounds.
"""

from __future__ import annotations

import logging
import math
import os
import struct
import wave
from pathlib import Path

log = logging.getLogger(__name__)

SAMPLE_RATE = 22_050
TONES_HZ = (960.0, 770.0)
TONE_S = 0.25
CYCLES = 4                 # the file holds 2 s; libvlc repeats it
AMPLITUDE = 0.6            # of full scale: loud, with headroom against clipping in the mixer
FADE_S = 0.01
FILE_NAME = "alarm-tone-v1.wav"   # a new tone gets a new name, so an old cached file is never played
REPEATS = 65_535           # libvlc's input-repeat: about 36 hours of a 2 s file, far past any alarm
AUDIO_OUTPUTS = ("pulse", "alsa", "dummy", "none")


def tone_samples(rate: int = SAMPLE_RATE) -> bytes:
    """The two-tone pattern as 16-bit little-endian mono samples."""
    per_tone = int(rate * TONE_S)
    fade = max(1, int(rate * FADE_S))
    peak = AMPLITUDE * 32767
    samples = []
    for _ in range(CYCLES):
        for hz in TONES_HZ:
            step = 2 * math.pi * hz / rate
            for i in range(per_tone):
                envelope = min(1.0, i / fade, (per_tone - 1 - i) / fade)
                samples.append(int(peak * envelope * math.sin(step * i)))
    return struct.pack(f"<{len(samples)}h", *samples)


def write_alarm_tone(path: Path) -> Path:
    """Write the tone as a WAV file at ``path`` (through a temporary name, so a reader never sees half)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    with wave.open(str(partial), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(tone_samples())
    os.replace(partial, path)
    return path


def alarm_tone_file(folder: Path) -> Path:
    """The tone's WAV in ``folder`` (the seat's data folder), written if it is not there yet."""
    path = folder / FILE_NAME
    return path if path.is_file() else write_alarm_tone(path)


def audio_output_problem(environ: dict[str, str] | None = None, asound_cards: Path = Path("/proc/asound/cards"),
                         ) -> str | None:
    """Why this machine has no audio output (no sound server, no sound card), or None if it has one."""
    if _sound_server(os.environ if environ is None else environ):
        return None
    try:
        cards = asound_cards.read_text(errors="replace")
    except OSError:
        cards = ""
    if cards.strip() and "no soundcards" not in cards:
        return None
    return "no sound card and no sound server (PulseAudio or PipeWire) were found"


def chosen_output(environ: dict[str, str] | None = None) -> str:
    """The libvlc audio output to use: ``MCV_AUDIO_OUTPUT`` if set (``dummy`` in tests), else pulse or alsa."""
    environ = os.environ if environ is None else environ
    wanted = environ.get("MCV_AUDIO_OUTPUT", "").strip().lower()
    if wanted in AUDIO_OUTPUTS:
        return wanted
    return "pulse" if _sound_server(environ) else "alsa"


def _sound_server(environ) -> bool:
    """A PulseAudio or PipeWire server this user can reach (PipeWire answers the pulse protocol too)."""
    runtime = environ.get("XDG_RUNTIME_DIR")
    return bool(environ.get("PULSE_SERVER")) or bool(runtime) and any(
        (Path(runtime) / name).exists() for name in ("pulse/native", "pipewire-0"))


class AlarmTonePlayer:
    """Loops the tone through libvlc (``play``) until ``stop``; called on the GUI thread only.

    ``output`` is a libvlc audio output (``pulse``, ``alsa``, ``dummy``) or ``none``, which
    plays nothing. ``problem`` is None while sound can be played, else the reason people read.
    """

    def __init__(self, tone: Path, output: str) -> None:
        self.tone = tone
        self.output = output
        self.problem: str | None = None
        self._instance = None
        self._player = None
        if output == "none":
            self.problem = "sound is turned off for this seat (MCV_AUDIO_OUTPUT=none)"

    @property
    def playing(self) -> bool:
        """Whether the tone is meant to sound and libvlc has not given up on it."""
        if self._player is None:
            return False
        import vlc

        return self._player.get_state() in (vlc.State.Opening, vlc.State.Playing, vlc.State.Buffering)

    def play(self) -> bool:
        """Start the loop (again); False, with ``problem`` set, if libvlc cannot play it."""
        if self.problem is not None:
            return False
        if self._player is None and not self._open():
            return False
        if not self.playing:
            media = self._instance.media_new_path(str(self.tone))
            media.add_option(f":input-repeat={REPEATS}")
            self._player.set_media(media)
            media.release()
            if self._player.play() != 0:
                self.problem = f"libvlc could not play the alarm tone {self.tone}"
                return False
        return True

    def stop(self) -> None:
        if self._player is not None:
            self._player.stop()

    def close(self) -> None:
        """Stop and let libvlc go."""
        player, instance, self._player, self._instance = self._player, self._instance, None, None
        if player is not None:
            player.stop()
            player.release()
        if instance is not None:
            instance.release()

    def _open(self) -> bool:
        try:
            import vlc
        except (ImportError, OSError) as exc:  # python-vlc without libvlc on the machine
            self.problem = f"libvlc is not installed ({exc}); install vlc's library to hear alarms"
            return False
        instance = vlc.Instance(["--quiet", "--no-video", f"--aout={self.output}"])
        if instance is None:
            self.problem = f"libvlc refused the audio output {self.output!r}"
            return False
        self._instance, self._player = instance, instance.media_player_new()
        log.info("alarm tone through libvlc's %s output", self.output)
        return True
