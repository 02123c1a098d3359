"""Playback: the clock that drives the playhead at the clip's real rate, and the transport's state.

A ``QTimer`` ticks every 8 ms while playing and hands the wall time elapsed since play
started (``QElapsedTimer``) to :meth:`Playhead.advance_to
<imu2safety.core.session.playhead.Playhead.advance_to>`, which drops frames rather than
slowing down when drawing is slow. The speed is kept in the settings.

Widgets it keeps up to date from the playhead: the play button, the speed and the time
labels of the transport bar.
"""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QObject, QSettings, Qt, QTimer
from PySide6.QtWidgets import QLabel, QPushButton, QStyle

from ...core.session.playhead import Playhead
from ...core.session.session import Session


class PlaybackController:
    def __init__(
        self,
        session: Session,
        settings: QSettings,
        play_button: QPushButton,
        speed_label: QLabel,
        time_label: QLabel,
        parent: QObject,
    ) -> None:
        self.session, self.playhead, self.settings = session, session.playhead, settings
        self.play_button, self.speed_label, self.time_label = play_button, speed_label, time_label
        self.clock = QTimer(parent)
        self.clock.setTimerType(Qt.PreciseTimer)
        self.clock.setInterval(8)
        self.clock.timeout.connect(self._tick)
        self.elapsed = QElapsedTimer()
        play_button.clicked.connect(self.toggle_play)
        self.playhead.connect(self._on_playhead)

    def restore_speed(self) -> None:
        """The speed the user last chose."""
        try:
            self.playhead.set_speed(float(self.settings.value("prefs/speed", 1.0)))
        except (TypeError, ValueError):
            pass

    def toggle_play(self) -> None:
        if self.playhead.playing:
            self.pause()
        else:
            self.play()

    def play(self) -> None:
        if self.session.clip is None:
            return
        self.playhead.play()

    def pause(self) -> None:
        self.playhead.pause()

    def _tick(self) -> None:
        self.playhead.advance_to(self.elapsed.elapsed() / 1000.0)

    def _on_playhead(self, event: str, ph: Playhead) -> None:
        if event == "playing":
            style = self.play_button.style()
            if ph.playing:
                self.elapsed.start()
                self.clock.start()
                self.play_button.setText("Pause")
                self.play_button.setIcon(style.standardIcon(QStyle.SP_MediaPause))
            else:
                self.clock.stop()
                self.play_button.setText("Play")
                self.play_button.setIcon(style.standardIcon(QStyle.SP_MediaPlay))
        elif event == "speed":
            self.speed_label.setText(f" {ph.speed:.2f}× ")
            self.settings.setValue("prefs/speed", ph.speed)
        if event in ("frame", "clip"):
            self.time_label.setText(f"frame {ph.frame:5d} / {ph.last_frame}   {float(ph.seconds):7.3f} s")
