"""The ``imu2safety`` command line: :func:`main` builds the parser from one module per subcommand.

Each subcommand module (``simulate``, ``presets``, ``reconstruct``, ``import_motion``,
``project``, ``export``, ``realism``, ``workbench``) has a ``register(subparsers)``
function that adds its parser and sets ``func``; :mod:`.main` lists them.
"""

from .main import build_parser, entry, main

__all__ = ["build_parser", "entry", "main"]
