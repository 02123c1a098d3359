"""Training datasets: a project → one HDF5 file of clips and labelled windows, and reading it back.

Public API:

- :mod:`.export`   ``export_dataset(project, out, ExportConfig(...))``
- :mod:`.layout`   the file layout: groups, datasets, attributes, units, ``SCHEMA_VERSION``
- :mod:`.windows`  fixed-length windows and the label rule
- :mod:`.reader`   ``open_dataset``, ``DatasetFile``, ``WindowDataset`` (a torch ``Dataset``)
  (re-exported here)
"""

from .reader import DatasetFile, WindowDataset, open_dataset

__all__ = ["DatasetFile", "WindowDataset", "open_dataset"]
