"""Annotation projects: clips, labelled segments, device profiles and an edit log in one folder.

Public API:

- :mod:`.project`     ``Project`` (``create``, ``open``, ``add_clip``, ``execute``, ``undo``, ...),
  ``Clip``, ``Segment``, ``Profile`` (re-exported here)
- :mod:`.commands`    every edit as an undoable ``Command``
- :mod:`.store`       the folder on disk: SQLite schema and migrations, the writer lock, confinement
  (``check_folder``, ``cache_file``), backups, damage as one-line errors
- :mod:`.add_checks`  what a new clip must pass (``check_motion_storable``) and the warnings it
  gets (``check_new_motion`` -> ``AddWarning``: leak, duplicate, glitch; ``glitch_trim``)
- :mod:`.taxonomy`    the safety taxonomy (``load_taxonomy``)
- :mod:`.labels_csv`  label tables as CSV (``import_labels``, ``export_labels``)
- :mod:`.demo`        the demo project
"""

from .project import (
    VIDEO_SUFFIXES,
    Clip,
    LogEntry,
    Profile,
    Project,
    ProjectEvent,
    Segment,
    check_motion_hash,
    load_clip_motion,
)

__all__ = [
    "VIDEO_SUFFIXES",
    "Clip",
    "LogEntry",
    "Profile",
    "Project",
    "ProjectEvent",
    "Segment",
    "check_motion_hash",
    "load_clip_motion",
]
