"""What every stage shares.

- :mod:`.errors`    ``InputError`` (one line naming the file and the problem), ``PresetError``, ``path_text``
- :mod:`.atomic`    ``atomic_path``: write beside the target, rename when complete
- :mod:`.files`     ``check_input_file`` (regular files only: nothing blocks on a FIFO),
  ``check_output_file`` (never a special file, a link, an input or a project's own file),
  ``command_inputs``, ``writing_for_project``, the project folder layout names
- :mod:`.hashing`   ``sha256_file``
- :mod:`.progress`  ``CancelToken``, ``Cancelled``, ``report``, ``check`` for long work
- :mod:`.limits`    every size and range limit in one place: ``check_alloc``, ``check_samples``,
  ``check_range``, ``check_npz``/``check_npy`` (before numpy allocates), ``LimitError``
- :mod:`.csvio`    ``read_text``/``read_header`` for CSV files from users (UTF-8, header checks)
- :mod:`.jsonio`    ``parse_json``/``read_json_file`` for JSON from users (depth, size, encoding)
- :mod:`.safe_load` ``load_torch_weights``: checkpoints through an exact allow-list, never code
- :mod:`.signals`   ``signals_deferred``: interrupts wait until HDF5 writing is done (a signal raised
  inside h5py's teardown would be printed and lost); ``replaceable``: the handlers Python may swap
"""
