"""Batch conversion: many videos or skeleton files into a project's clips, in parallel, with one writer.

Public API:

- :mod:`.runner`     ``run_batch(project, items, Settings(...), executor, progress, cancel) -> Summary``
  (idempotent by source hash + settings, resumable after a kill, failures listed instead of fatal)
- :mod:`.items`      ``Item``, ``Label``, ``Settings``, ``Result``: the plain data that crosses process borders
- :mod:`.sources`    ``expand_paths`` (files and folders), ``read_manifest`` (CSV of path, subject, clip, label)
- :mod:`.executors`  ``LocalExecutor`` (processes, ``--workers N``) and ``RayExecutor`` (``--ray``), one code path
- :mod:`.convert`    ``convert(index, item, settings) -> Result``: what a worker does (no project access)
- :mod:`.writer`     ``Writer``: stores a worker's bytes and commits the clip, one transaction per file
- :mod:`.recipes`    dataset recipes (NTU RGB+D, UP-Fall, Le2i, folder-per-class, CSV of segments) and their
  mapping tables (``resources/recipes/*.csv``)
"""
