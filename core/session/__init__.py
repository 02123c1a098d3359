"""Qt-free models of a workbench session, which the GUI observes and tests drive without Qt.

- :mod:`.playhead`  ``Playhead``: the one current frame every view follows
"""
