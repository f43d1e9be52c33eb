"""The alarm sound: the two-tone loops on this seat while an alarm nobody acknowledged is open and not muted.

``AlarmSoundController`` follows an ``AlarmBar``: each time its open alarms change it asks
``should_sound`` and starts or stops ``video.alarm_tone.AlarmTonePlayer``. It adds two
things to the bar: a *Mute* button that silences the alarms open now on this seat (the
flashing goes on; a new alarm sounds again; acknowledging stops the sound on every seat),
and a note when this seat cannot sound at all (no sound card or server, no libvlc), so
nobody trusts a silence. ``MCV_AUDIO_OUTPUT`` picks libvlc's output (``dummy`` in tests,
``none`` for a seat that must stay silent). GUI thread only.
"""

from __future__ import annotations

from collections.abc import Collection

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel, QPushButton

from radios.config import default_data_dir
from video.alarm_tone import AlarmTonePlayer, alarm_tone_file, audio_output_problem, chosen_output


def should_sound(open_ids: Collection[str], muted_ids: Collection[str]) -> bool:
    """Sound while any open alarm is not muted on this seat."""
    return any(alarm_id not in muted_ids for alarm_id in open_ids)


class AlarmSoundController(QObject):
    """Starts and stops the alarm tone as the bar's open alarms change; owns the Mute button and the no-sound note."""

    def __init__(self, bar, player: AlarmTonePlayer | None = None) -> None:
        super().__init__(bar)
        self._bar = bar
        self._player = player
        self.muted: set[str] = set()
        self.mute_button = QPushButton(self.tr("Mute"), bar)
        self.mute_button.setObjectName("alarmMute")
        self.mute_button.setToolTip(self.tr("Silence the open alarms on this seat; they keep flashing, "
                                            "and a new alarm sounds again"))
        self.mute_button.clicked.connect(self.mute_open)
        self.note = QLabel(bar)
        self.note.setObjectName("alarmNoSound")
        self.note.setWordWrap(False)
        self.note.setStyleSheet("font-weight: normal; font-style: italic;")   # beside the alarm, not over it
        self.note.hide()
        layout = bar.layout()
        layout.insertWidget(layout.indexOf(bar.acknowledge), self.note)
        layout.insertWidget(layout.indexOf(bar.acknowledge), self.mute_button)
        bar.open_count_changed.connect(self._on_bar_open_count_changed)
        bar.destroyed.connect(lambda *_: self._close_player())   # touches no Qt object
        self._update()

    @property
    def sounding(self) -> bool:
        """Whether the tone is playing now."""
        return self._player is not None and self._player.playing

    def mute_open(self) -> None:
        """Silence the alarms open now (this seat only)."""
        self.muted |= set(self._bar.open_alarms)
        self._update()

    def close(self) -> None:
        """Stop the tone and let libvlc go (the window closes)."""
        self._close_player()

    def _on_bar_open_count_changed(self, _count: int) -> None:
        self._update()

    def _update(self) -> None:
        open_ids = set(self._bar.open_alarms)
        self.muted &= open_ids   # an acknowledged alarm's mute is forgotten
        wanted = should_sound(open_ids, self.muted)
        if wanted:
            player = self._ensure_player()
            if not player.play():
                self._show_problem(player.problem)
        elif self._player is not None:
            self._player.stop()
        self.mute_button.setVisible(wanted and self._player.problem is None)

    def _ensure_player(self) -> AlarmTonePlayer:
        if self._player is None:
            output = chosen_output()
            problem = audio_output_problem() if output in ("pulse", "alsa") else None
            tone = None
            if problem is None and output != "none":
                try:
                    tone = alarm_tone_file(default_data_dir())
                except OSError as exc:   # a read-only or full disk: the bar still flashes
                    problem = f"the alarm tone cannot be written to {default_data_dir()} ({exc.strerror or exc})"
            self._player = AlarmTonePlayer(tone, output)
            if problem is not None:   # libvlc is not asked: it would retry a missing card for ever
                self._player.problem = problem
        return self._player

    def _show_problem(self, problem: str | None) -> None:
        self.note.setText(self.tr("No alarm sound on this seat"))
        self.note.setToolTip(self.tr("This seat cannot sound alarms: {problem}. Connect speakers or "
                                     "headphones, or watch the flashing bar.").format(problem=problem))
        self.note.show()

    def _close_player(self) -> None:
        player, self._player = self._player, None
        if player is not None:
            player.close()
