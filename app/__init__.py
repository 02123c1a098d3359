"""The application: it composes the engine (:mod:`imu2safety.core`) and the panels (:mod:`imu2safety.widgets`).

- :mod:`.main_window`  the workbench window: builds the panels, menus and docks and composes
- :mod:`.controllers`  the workbench's logic, one controller per concern, over the Qt-free
  :class:`~imu2safety.core.session.session.Session`
- :mod:`.dialogs`      its dialogs (export a dataset, reconstruct a video, the shortcut sheet)
- :mod:`.layout`       the docks and the saved layout
- :mod:`.feedback`     errors and messages in the window
- :mod:`.settings`     where preferences are kept
- :mod:`.workers`      background work for the GUI (a ``QThreadPool`` runner)
- :mod:`.cli`          the ``imu2safety`` command line, one module per subcommand
"""
