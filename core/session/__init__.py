"""Qt-free models of a workbench session, which the GUI observes and tests drive without Qt.

- :mod:`.playhead`    ``Playhead``: the one current frame every view follows
- :mod:`.session`     ``Session``: the project, the clip on show (motion, video, segments,
  selection, the open segment), its device and its latest simulation; it owns the playhead
  and follows the project's edits
- :mod:`.simulation`  ``SimulationJob``: what is simulated for the clip on show
"""
