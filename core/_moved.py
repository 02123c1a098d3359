"""Old module names of the engine, kept importable for one release (0.2) with a DeprecationWarning.

Until 0.1 the engine was one flat folder (``imu2safety.core.simulate``, ...). It is
now one package per pipeline stage. A script that imports an old name gets the
module at its new place, the same object, and a warning that names the new place.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import warnings

PREFIX = "imu2safety.core."

# old module name -> new module name (both relative to imu2safety.core)
MOVED = {
    "errors": "base.errors",
    "atomic": "base.atomic",
    "hashing": "base.hashing",
    "progress": "base.progress",
    "timebase": "motion.timebase",
    "skeletons": "motion.skeletons",
    "importers": "motion.importers",
    "import_bvh": "motion.import_bvh",
    "import_ntu": "motion.import_ntu",
    "import_humanml": "motion.import_humanml",
    "import_keypoints": "motion.import_keypoints",
    "video": "reconstruct.video",
    "detect": "reconstruct.detect",
    "tracking": "reconstruct.tracking",
    "pose2d": "reconstruct.pose2d",
    "lift3d": "reconstruct.lift3d",
    "camera_world": "reconstruct.camera_world",
    "kinematics": "sim.kinematics",
    "sensor_frame": "sim.sensor_frame",
    "devices": "sim.devices",
    "noise": "sim.noise",
    "simulate": "sim.simulate",
    "imu_io": "sim.imu_io",
    "project_store": "project.store",
    "commands": "project.commands",
    "taxonomy": "project.taxonomy",
    "labels_csv": "project.labels_csv",
    "demo": "project.demo",
    "export": "dataset.export",
    "windows": "dataset.windows",
    "real_io": "realism.real_io",
    "allan": "realism.allan",
    "calibrate": "realism.calibrate",
    "realism_report": "realism.report",
    "playhead": "session.playhead",
}
# ``motion``, ``reconstruct``, ``project``, ``dataset`` and ``realism`` are package names now: their
# ``__init__`` re-exports what the old module of the same name offered.


class MovedModuleFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Resolves ``imu2safety.core.<old>`` to the module at its new place."""

    def find_spec(self, name, path=None, target=None):
        if name.startswith(PREFIX) and name[len(PREFIX) :] in MOVED:
            return importlib.util.spec_from_loader(name, self)
        return None

    def create_module(self, spec):
        new = PREFIX + MOVED[spec.name[len(PREFIX) :]]
        warnings.warn(
            f"{spec.name} has moved to {new}; the old name works until imu2safety 0.2",
            DeprecationWarning,
            stacklevel=2,
        )
        module = importlib.import_module(new)
        self._real_spec = module.__spec__
        return module

    def exec_module(self, module):
        # the import system stamped the alias spec on the real module: give it back its own
        module.__spec__ = self._real_spec


def install() -> None:
    if not any(isinstance(f, MovedModuleFinder) for f in sys.meta_path):
        sys.meta_path.append(MovedModuleFinder())
