"""Dialogs of the workbench, one per module: export a dataset, reconstruct a video, the shortcut sheet."""
