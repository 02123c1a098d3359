"""Learning: train safety classifiers on (synthetic) wrist IMU windows and test them on real recordings.

Public API:

- :mod:`.models`      ``ModelConfig``, ``build_model`` (IMU-Patchformer, 1D-CNN baseline), ``auto_patch``
- :mod:`.data`        ``Windows``; ``from_dataset`` (an exported HDF5 split), ``to_model_input`` (rate and
  gravity), ``label_recording`` (windows cut as export cuts them)
- :mod:`.train`       ``TrainConfig``, ``train_model`` (class-balanced, early-stopped, resumable, seeded)
- :mod:`.checkpoint`  ``load_model`` -> ``LoadedModel`` (tensors-only checkpoint, config, label map)
- :mod:`.evaluate`    ``evaluate`` (real recordings -> macro-F1, per-class P/R, confusion PNG, JSON)
- :mod:`.benchmark`   ``run_benchmark`` (TSTR / TRTR / mixed, both models, several seeds)
- :mod:`.sources`     ``synthetic_windows`` (CMU walk, DeepMimic clips, the demo, procedural standing,
  projects; simulator augmentations)
- :mod:`.labels`      ``LabelMap`` (recording labels -> taxonomy ids)
- :mod:`.recordings`  labelled real recordings (segments CSV, a ``label`` column, ``.ts`` case labels)
- :mod:`.predict`     ``predict_signal`` (pre-labels along a clip)
- :mod:`.metrics`     confusion matrix, macro-F1, chance levels, the confusion PNG
"""

__all__ = ["LoadedModel", "ModelConfig", "TrainConfig", "auto_patch", "build_model", "load_model", "train_model"]
_WHERE = {
    "LoadedModel": "checkpoint",
    "load_model": "checkpoint",
    "ModelConfig": "models",
    "auto_patch": "models",
    "build_model": "models",
    "TrainConfig": "train",
    "train_model": "train",
}


def __getattr__(name):
    # the models need torch (~1 s to import): load them when asked for, so that importing a torch-free part of
    # this package (sources, metrics) -- and so every command of the command line -- does not pay for it
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
