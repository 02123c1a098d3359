"""How real is the simulation? Real recordings, comparisons and calibration (beside the simulator).

Public API:

- :mod:`.real_io`    readers of real wrist IMU recordings (CSV, HDF5, UEA/UCR ``.ts``)
- :mod:`.compare`    ``SignalSet``, ``load_set``, ``compare``, distributions, spectra, lags
  (re-exported here, as the 0.1 module ``imu2safety.core.realism`` offered them)
- :mod:`.allan`      Allan deviation, noise terms, stationary stretches
- :mod:`.calibrate`  fit device noise, geometry (lag, rotation, scale), quantile maps
- :mod:`.report`     ``write_report``: JSON, PNG figures and one HTML page
"""

from .compare import (
    CHANNELS,
    UNITS,
    Comparison,
    SignalSet,
    allan_of_set,
    autocorr_set,
    best_lag,
    channel_values,
    compare,
    harmonise,
    histogram_pair,
    load_set,
    overlap,
    peak_stats,
    remove_gravity,
    resample_set,
    select_labels,
    set_from_arrays,
    set_from_imu_h5,
    set_from_recordings,
    set_from_signal,
    spectral_distance_db,
    trim_set,
    welch_set,
)

__all__ = [
    "allan_of_set",
    "autocorr_set",
    "best_lag",
    "channel_values",
    "CHANNELS",
    "compare",
    "Comparison",
    "harmonise",
    "histogram_pair",
    "load_set",
    "overlap",
    "peak_stats",
    "remove_gravity",
    "resample_set",
    "select_labels",
    "set_from_arrays",
    "set_from_imu_h5",
    "set_from_recordings",
    "set_from_signal",
    "SignalSet",
    "spectral_distance_db",
    "trim_set",
    "UNITS",
    "welch_set",
]
