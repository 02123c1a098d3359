"""HDF5 files from users, opened for reading.

:func:`open_h5` admits a regular file (:func:`~.files.check_input_file`: no FIFO, no device)
that HDF5 can read and that holds no **external link**. An external link names a file
elsewhere (``/etc/passwd``, another user's data); following it would make a reader open
files the user never named, and a missing or non-HDF5 target surfaces as a ``KeyError``
deep inside h5py. Such a file is refused with one line naming the link and its target.
"""

from __future__ import annotations

import os
from typing import Any

from .errors import InputError, path_text
from .files import check_input_file


def open_h5(path: str | os.PathLike, what: str = "file") -> Any:
    """``h5py.File(path, "r")``, or an InputError naming the file and the problem."""
    import h5py

    p = check_input_file(path, what)
    try:
        f = h5py.File(p, "r")
    except OSError as exc:
        raise InputError(p, f"not a readable HDF5 file ({exc})") from None
    found = []

    def visit(name, link):
        if isinstance(link, h5py.ExternalLink):
            found.append((name, link.filename, link.path))
            return True  # stop at the first
        return None

    try:
        f.visititems_links(visit)
    except (OSError, KeyError, RuntimeError) as exc:
        f.close()
        raise InputError(p, f"not a readable HDF5 file ({exc})") from None
    if found:
        f.close()
        name, target, inner = found[0]
        raise InputError(
            p,
            f"'/{name}' is an external link to {path_text(target)}:{inner}; files that link to other files are "
            "not read (copy the data into the file)",
        )
    return f
