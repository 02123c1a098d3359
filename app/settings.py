"""Where the workbench keeps its preferences (layout, recent projects, last clip, speed)."""

from __future__ import annotations

import os

from PySide6.QtCore import QSettings


def app_settings() -> QSettings:
    """Preferences: ``$IMU2SAFETY_SETTINGS`` (an .ini path, used by tests) or the platform's store."""
    path = os.environ.get("IMU2SAFETY_SETTINGS")
    if path:
        return QSettings(path, QSettings.IniFormat)
    return QSettings("IMU2Safety", "workbench")
