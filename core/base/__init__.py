"""What every stage shares.

- :mod:`.errors`    ``InputError`` (one line naming the file and the problem), ``PresetError``
- :mod:`.atomic`    ``atomic_path``: write beside the target, rename when complete
- :mod:`.hashing`   ``sha256_file``
- :mod:`.progress`  ``CancelToken``, ``Cancelled``, ``report``, ``check`` for long work
"""
