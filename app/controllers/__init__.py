"""The workbench's logic, one controller per concern; the window only composes them.

- :mod:`.project`     ``ProjectController``: open/new/demo/recent projects; open, add
  (motion files, the reconstruct dialog) and delete clips; the export dialog
- :mod:`.labels`      ``LabelsController``: draw, label, select, move and delete segments
  (Enter, 1–9/0, Esc, Delete); trims (drag, I/O)
- :mod:`.device`      ``DeviceController``: live device tuning (``DeviceEditCommand``),
  presets and project profiles, the clip's wrist and seed
- :mod:`.simulation`  ``SimulationController``: the clip's IMU simulated in the background,
  the IMU plots and the Realism panel
- :mod:`.playback`    ``PlaybackController``: the clock that drives the playhead, the
  transport's play button and labels, the speed preference
- :mod:`.prelabels`   ``PrelabelController``: a trained model's predictions for the clip
  (behaviour, P(unsafe)) in the band under the timeline (Model menu)
- :mod:`.edits`       ``Edits``: core commands on the Qt undo stack (``ProjectUndoCommand``)

How they fit (the seams to build on):

- State lives in one Qt-free :class:`~imu2safety.core.session.session.Session` (the
  project, the clip on show, its segments, selection, open segment, device and latest
  simulation, and the playhead). Controllers change it through its methods or through
  project commands; they *observe* it (``session.connect(fn)``, ``fn(event, session)``)
  to keep the panels they own up to date. A new view of the session (e.g. a band of
  model predictions under the timeline) is a widget plus a few lines observing the
  events it needs (``"clip"``, ``"signal"``, ...), not a change to the other controllers.
- Every project edit goes through :meth:`Edits.execute <.edits.Edits.execute>` (saved at
  once, undoable, drags merged by ``merge_key``); work the core did on its own stack (e.g.
  ``Project.add_clip``) is adopted with :meth:`Edits.adopt_last_command
  <.edits.Edits.adopt_last_command>`. Nothing else writes to the project.
- Errors go to :class:`~imu2safety.app.feedback.Feedback` (``guarded``, ``error``,
  ``status``); long work runs in :mod:`imu2safety.app.workers`.
- A controller gets what it needs in its constructor (the session, ``Edits``,
  ``Feedback``, its panels) and connects its panels' signals itself. Controllers never
  import each other or the window (import-linter contracts in ``pyproject.toml``);
  widgets never import controllers.
- Dialogs live in :mod:`imu2safety.app.dialogs`; the controller of their concern opens
  them (a batch-add dialog would sit beside ``ProjectController.add_motion_dialog`` and
  add each file with ``ProjectController.add_motion``).
"""
