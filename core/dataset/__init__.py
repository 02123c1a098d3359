"""Training datasets: a project → one HDF5 file of clips and labelled windows, and reading it back.

Public API:

- :mod:`.export`   ``export_dataset(project, out, ExportConfig(...))``
- :mod:`.h5sink`   ``GuardedFile``: HDF5 written so that a failed write is an error, never a crash
- :mod:`.layout`   the file layout: groups, datasets, attributes, units, ``SCHEMA_VERSION``
- :mod:`.windows`  fixed-length windows and the label rule
- :mod:`.reader`   ``open_dataset``, ``DatasetFile``, ``WindowDataset`` (a torch ``Dataset``)
  (re-exported here)
"""

__all__ = ["DatasetFile", "WindowDataset", "open_dataset"]


def __getattr__(name):
    # the reader subclasses torch's Dataset: load it (and torch, ~1 s) only when it is asked for, so that the
    # command line and the exporter, which import this package, do not pay for torch
    if name in __all__:
        from . import reader

        return getattr(reader, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
