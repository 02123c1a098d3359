"""The motion interchange: 3D joints over time, the one interface between video and simulation.

Public API:

- :mod:`.interchange`  ``Motion``, ``load_motion``, ``save_motion``, ``validate_motion``,
  ``implausible_frames``, ``implausible_warning``, ``units_warning``, ``forearm_lengths`` (re-exported here)
- :mod:`.skeletons`    joint orders (``get_skeleton``, ``register_skeleton``)
- :mod:`.timebase`     exact rational frame rates (``rational_fps``, ``frame_to_seconds``)
- :mod:`.importers`    ``import_motion(path, format=None, **options)``: NTU, BVH, HumanML3D,
  plain ``.npy``/``.csv``; one module per format (``import_*``), shared checks in
  :mod:`.import_common`
"""

from .interchange import (
    MAX_PLAUSIBLE_SPEED,
    Motion,
    forearm_lengths,
    implausible_frames,
    implausible_warning,
    load_motion,
    resolve_skeleton,
    save_motion,
    units_warning,
    validate_motion,
)

__all__ = [
    "MAX_PLAUSIBLE_SPEED",
    "Motion",
    "forearm_lengths",
    "implausible_frames",
    "implausible_warning",
    "load_motion",
    "resolve_skeleton",
    "save_motion",
    "units_warning",
    "validate_motion",
]
