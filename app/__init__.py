"""The application: it composes the engine (:mod:`imu2safety.core`) and the panels (:mod:`imu2safety.widgets`).

- :mod:`.main_window`  the workbench window
- :mod:`.dialogs`      its dialogs (export a dataset, reconstruct a video)
- :mod:`.workers`      background work for the GUI (a ``QThreadPool`` runner)
- :mod:`.cli`          the ``imu2safety`` command line, one module per subcommand
"""
