"""The workbench session: what is open, shown and selected, as one Qt-free model.

napari's ``ViewerModel`` pattern, evented like the :class:`~.playhead.Playhead` it
owns: a :class:`Session` holds

- ``project`` (a :class:`~imu2safety.core.project.Project`) and the clip on show:
  ``clip``, its ``motion``, its ``video`` (a reader, or None) and ``video_path``;
- ``segments`` of that clip, the ``selected`` segment id and ``open_start``, the frame
  where a segment was opened and not closed yet;
- ``device``, the device preset the clip is simulated with (maybe tuned live:
  ``device_edited``), and ``profiles``, the project's device profiles by name;
- ``signal``, the latest simulation of the clip (``signal_ms``, ``signal_count``);
- ``playhead``, the frame every view follows.

Observers subscribe with :meth:`Session.connect` (a callback ``(event, session)``) and
:meth:`Session.disconnect`, as for the playhead. Events:

``"project"``       a project was opened or closed (``project`` may be None)
``"clips"``         the project's clips, or their segment counts, changed
``"clip"``          another clip is on show, or none: ``clip``, ``motion``, ``video``,
                    ``device``, ``profiles``, ``segments``, ``selected``, ``open_start``
                    and ``signal`` are all new. The playhead takes the clip's length,
                    rate and trim right after this event.
``"trim"``          the clip's trim changed (``playhead.range`` follows it)
``"wrist"``         the clip's wrist changed
``"seed"``          the clip's noise seed changed
``"profile"``       the clip's device profile changed: ``device`` was reloaded from it
``"profiles"``      the project's device profiles changed
``"device"``        :meth:`set_device` or :meth:`mark_device_saved` changed the device
                    or its ``device_edited`` flag
``"segments"``      the clip's segments (or the taxonomy) changed; a selected segment
                    that is gone is no longer ``selected``
``"selection"``     :meth:`select` was called (the segment may be the same: show it afresh)
``"open_segment"``  a segment was opened at a frame, or closed, or cancelled
``"stale"``         what the simulation depends on changed (clip, trim, wrist, seed or
                    device): simulate again (:meth:`simulation_job`)
``"signal"``        a new simulation result (:meth:`set_signal`)

The session follows the project: it subscribes to the project's change events, so an
edit made anywhere (the GUI's undo stack, ``project.execute``, an undo in the core)
updates it. Edits themselves are core commands run by whoever holds the project.

Problems that must not stop a clip from opening (a video that does not decode, a
broken device profile) go to ``report`` (a callable taking one message; the GUI shows
it in its banner) and the session carries on without that part.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

from ..base.errors import InputError
from ..sim.devices import DEFAULT_PRESET
from ..sim.simulate import SimConfig
from .playhead import Playhead
from .simulation import SimulationJob

log = logging.getLogger("imu2safety.session")

Observer = Callable[[str, "Session"], None]


class Session:
    def __init__(self, report: Optional[Callable[[str], None]] = None) -> None:
        self.playhead = Playhead(1, 30)
        self.report = report or (lambda message: log.warning("%s", message))
        self.project = None
        self._project_token: Optional[int] = None
        self.clip = None
        self.motion = None
        self.video = None
        self.video_path: Optional[Path] = None
        self.segments: List = []
        self.selected: Optional[int] = None
        self.open_start: Optional[int] = None
        self.device = None
        self.device_edited = False
        self.profiles: Dict[str, Any] = {}
        self.signal = None
        self.signal_ms: Optional[float] = None
        self.signal_count = 0
        self._observers: List[Observer] = []

    # ----- observers -----------------------------------------------------------------------------
    def connect(self, fn: Observer) -> None:
        if fn not in self._observers:
            self._observers.append(fn)

    def disconnect(self, fn: Observer) -> None:
        if fn in self._observers:
            self._observers.remove(fn)

    @property
    def n_observers(self) -> int:
        return len(self._observers)

    def _emit(self, event: str) -> None:
        for fn in list(self._observers):
            fn(event, self)

    def _soft(self, fn: Callable[[], Any], what: str) -> Any:
        """``fn()``, or None after reporting why it failed (for parts a clip can do without)."""
        try:
            return fn()
        except InputError as exc:
            self.report(str(exc))
        except Exception as exc:
            log.exception("session: %s", what)
            self.report(f"{what}: {exc.__class__.__name__}: {exc}")
        return None

    # ----- project -------------------------------------------------------------------------------
    def set_project(self, project) -> None:
        """Show ``project`` (closing the one shown). No clip is open yet: see :meth:`open_clip`."""
        self.close_project()
        self.project = project
        self._project_token = project.subscribe(self._on_project_event)
        self._emit("project")
        self._emit("clips")

    def close_project(self) -> None:
        """Close the clip and the project (its lock and database)."""
        if self.project is None:
            return
        self.clear_clip()
        if self._project_token is not None:
            self.project.unsubscribe(self._project_token)
            self._project_token = None
        project, self.project = self.project, None
        project.close()
        self.profiles = {}
        self._emit("project")

    @property
    def taxonomy(self):
        return None if self.project is None else self.project.taxonomy

    def segment_counts(self) -> Dict[str, int]:
        """Segments per clip id, for lists of clips."""
        counts: Dict[str, int] = {}
        if self.project is not None:
            for s in self.project.segments():
                counts[s.clip_id] = counts.get(s.clip_id, 0) + 1
        return counts

    # ----- the clip on show ----------------------------------------------------------------------
    def open_clip(self, clip_id: str) -> None:
        """Show a clip: its motion, video, device, segments; the playhead at its trim-in.

        Raises (InputError for a user's problem) before changing anything when the clip or
        its motion cannot be read; a video or device that fails is reported instead."""
        if self.project is None:
            raise InputError(None, "no project is open")
        clip = self.project.clip(clip_id)
        motion = self.project.load_motion(clip_id)
        self.playhead.pause()
        self._close_video()
        self.clip, self.motion = clip, motion
        if clip.video_path:
            from ..reconstruct.video import VideoReader

            vp = Path(clip.video_path)
            self.video_path = vp if vp.is_absolute() else Path(self.project.folder) / vp
            self.video = self._soft(lambda: VideoReader(self.video_path), "video")
        self.profiles = self._load_profiles()
        self.device = self._soft(lambda: self.project.device_for(clip.id), "device")
        self.device_edited = False
        self.segments = self.project.segments(clip.id)
        self.selected = None
        self.open_start = None
        self.signal, self.signal_ms = None, None
        self._emit("clip")
        self.playhead.set_clip(clip.n_frames, clip.fps, frame=clip.trim_in)
        self.playhead.range = (clip.trim_in, clip.trim_out - 1)
        self._emit("stale")

    def clear_clip(self) -> None:
        """Show no clip (the project has none left, or it closes)."""
        self.playhead.pause()
        self._close_video()
        self.clip = self.motion = None
        self.segments = []
        self.selected = self.open_start = None
        self.signal, self.signal_ms = None, None
        self._emit("clip")
        self.playhead.set_clip(1, 30)

    def _try_open(self, clip_id: str) -> bool:
        """Open a clip, or report why not (False)."""
        return self._soft(lambda: self.open_clip(clip_id) or True, "open clip") is not None

    def _close_video(self) -> None:
        if self.video is not None:
            self.video.close()
        self.video, self.video_path = None, None

    def _load_profiles(self) -> Dict[str, Any]:
        profiles = {}
        for pr in self.project.profiles():
            p = self._soft(pr.preset, "profile")
            if p is not None:
                profiles[pr.name] = p
        return profiles

    @property
    def profile_name(self) -> str:
        """The device profile (or preset id) the clip names, or the default preset."""
        return (self.clip.profile if self.clip is not None else None) or DEFAULT_PRESET

    # ----- following the project -----------------------------------------------------------------
    def _on_project_event(self, ev) -> None:
        # Called from inside the core's commands: report problems, never raise into the edit.
        if self.clip is None:
            self._emit("clips")
            return
        stale = False
        if "clips" in ev.tables:
            ids = {c.id for c in self.project.clips()}
            if self.clip.id not in ids:
                self.clip = None
                self._emit("clips")
                first = next(iter(sorted(ids)), None)
                if first is None or not self._try_open(first):
                    self.clear_clip()
                return
            old = self.clip
            self.clip = new = self.project.clip(old.id)
            if (old.trim_in, old.trim_out) != (new.trim_in, new.trim_out):
                self.playhead.range = (new.trim_in, new.trim_out - 1)
                self._emit("trim")
                stale = True
            if old.wrist != new.wrist:
                self._emit("wrist")
                stale = True
            if old.seed != new.seed:
                self._emit("seed")
                stale = True
            if old.profile != new.profile:
                self.device = self._soft(lambda: self.project.device_for(new.id), "device")
                self.device_edited = False
                self._emit("profile")
                stale = True
        if "profiles" in ev.tables:
            self.profiles = self._load_profiles()
            self._emit("profiles")
        if "segments" in ev.tables or "meta" in ev.tables:
            self.segments = self.project.segments(self.clip.id)
            if self.selected is not None and all(s.id != self.selected for s in self.segments):
                self.selected = None
            self._emit("segments")
        self._emit("clips")
        if stale:
            self._emit("stale")

    # ----- segments ------------------------------------------------------------------------------
    def segment(self, seg_id: Optional[int]):
        """The clip's segment with this id, or None."""
        return next((s for s in self.segments if s.id == seg_id), None) if seg_id is not None else None

    def select(self, seg_id: Optional[int]) -> None:
        self.selected = seg_id
        self._emit("selection")

    def open_segment(self, frame: Optional[int] = None) -> int:
        """Open a segment at ``frame`` (default: the playhead's)."""
        self.open_start = self.playhead.frame if frame is None else int(frame)
        self._emit("open_segment")
        return self.open_start

    def close_open_segment(self, frame: Optional[int] = None) -> Tuple[int, int]:
        """Close the open segment at ``frame`` (default: the playhead's): its half-open frame
        range, either way round. The segment is no longer open."""
        if self.open_start is None:
            raise InputError(None, "no segment is open")
        f = self.playhead.frame if frame is None else int(frame)
        a, b = sorted((self.open_start, f))
        self.open_start = None
        self._emit("open_segment")
        return a, b + 1

    def cancel_open_segment(self) -> bool:
        """Drop the open segment; False when none was open."""
        if self.open_start is None:
            return False
        self.open_start = None
        self._emit("open_segment")
        return True

    # ----- device and simulation -----------------------------------------------------------------
    def set_device(self, preset, edited: bool = True) -> None:
        """Simulate with ``preset`` (live tuning). It counts as edited when it differs from the
        clip's own device (a project profile stores it)."""
        self.device = preset
        base = None
        if edited and self.clip is not None:
            base = self._soft(lambda: self.project.device_for(self.clip.id), "device")
        self.device_edited = bool(
            edited and self.clip is not None and (base is None or preset.to_json() != base.to_json())
        )
        self._emit("device")
        self._emit("stale")

    def mark_device_saved(self) -> None:
        """The device shown was stored as the clip's profile: no unsaved edits."""
        self.device_edited = False
        self._emit("device")

    def simulation_job(self) -> Optional[SimulationJob]:
        """The trimmed clip with the device, wrist and seed shown (as the export simulates it),
        its times shifted back onto the source clip's frames. None without a clip or device."""
        c = self.clip
        if self.motion is None or c is None or self.device is None:
            return None
        return SimulationJob(
            self.motion.slice(c.trim_in, c.trim_out),
            self.device,
            SimConfig(wrist=c.wrist, seed=int(c.seed)),
            t0=float(c.seconds(c.trim_in)),
        )

    def set_signal(self, signal, ms: Optional[float] = None) -> None:
        """A simulation result for the clip on show."""
        self.signal, self.signal_ms = signal, ms
        self.signal_count += 1
        self._emit("signal")
