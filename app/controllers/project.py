"""Projects and clips: open, create, the demo, recent projects; the clip on show, adding and deleting clips.

Holds the project side of the window: it opens projects into the
:class:`~imu2safety.core.session.session.Session`, remembers recent projects and each
project's last clip in the settings, adds motions (any format the core's importers read)
and videos (the reconstruct dialog), deletes clips, and opens the export dialog.

Panels it keeps up to date from the session: the clips list (``"clips"``, ``"clip"``),
the video view and the skeleton view (``"clip"``, ``"wrist"``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import List, Optional

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QFileDialog, QMenu, QMessageBox, QWidget

from ...core.project import commands as C
from ...core.session.session import Session
from ...widgets.clips_panel import ClipsPanel
from ...widgets.skeleton_view import SkeletonView, bone_colours, bones_of
from ...widgets.video_view import VideoView
from ..feedback import Feedback
from .edits import Edits

MAX_RECENT = 8


class ProjectController:
    def __init__(
        self,
        window: QWidget,
        session: Session,
        edits: Edits,
        feedback: Feedback,
        settings: QSettings,
        clips_panel: ClipsPanel,
        video_view: VideoView,
        skeleton_view: SkeletonView,
    ) -> None:
        self.window, self.session, self.edits, self.feedback, self.settings = window, session, edits, feedback, settings
        self.clips_panel, self.video_view, self.skeleton_view = clips_panel, video_view, skeleton_view
        self.recent_menu: Optional[QMenu] = None
        clips_panel.clip_activated.connect(self.open_clip)
        clips_panel.add_requested.connect(self.add_motion_dialog)
        clips_panel.paths_dropped.connect(self.add_paths)
        clips_panel.delete_requested.connect(self.delete_clip)
        clips_panel.reconstruct_requested.connect(self.reconstruct_dialog)
        session.connect(self._on_session)

    # ------------------------------------------------------------------ the session's view
    def _show_subject(self, s: Session) -> None:
        """A reconstructed subject's 2D joints over the video, the simulated wrist ringed."""
        m = s.motion
        if s.video is None or m is None or m.image_points is None:
            self.video_view.set_pose(None)
            return
        bones = bones_of(m)
        arm = m.skel.arms.get(s.clip.wrist)
        self.video_view.set_pose(
            m.image_points, [tuple(b) for b in bones], bone_colours(m.skel, bones)[::2], [arm[2]] if arm else []
        )

    def _on_session(self, event: str, s: Session) -> None:
        if event == "clip":
            if s.clip is None:
                self.video_view.set_source(None, "No clip: add a motion file or reconstruct a video")
                self.skeleton_view.set_motion(None)
            else:
                self.settings.setValue(f"last/clip/{Path(s.project.folder).resolve()}", s.clip.id)
                msg = "No video for this clip (skeleton only)"
                if s.video is None and s.video_path is not None:
                    msg = f"Video could not be opened: {s.video_path}"
                self.video_view.set_source(s.video, msg)
                self.skeleton_view.set_motion(s.motion, s.clip.wrist)
                self._show_subject(s)
        elif event == "wrist":
            self.skeleton_view.set_motion(s.motion, s.clip.wrist)
            self._show_subject(s)
        if event in ("clips", "clip") and s.project is not None:
            self.clips_panel.set_clips(
                s.project.name, s.project.clips(), s.segment_counts(), s.clip.id if s.clip else None
            )

    # ------------------------------------------------------------------ projects
    def open_project_dialog(self) -> None:
        d = QFileDialog.getExistingDirectory(self.window, "Open project folder")
        if d:
            self.open_project(d)

    def new_project_dialog(self) -> None:
        from ...core.project.project import Project

        d = QFileDialog.getExistingDirectory(self.window, "New project: choose an empty folder")
        if d:
            proj = self.feedback.guarded(lambda: Project.create(d), "new project")
            if proj is not None:
                self.set_project(proj)

    def open_project(self, folder, clip_id: Optional[str] = None) -> bool:
        from ...core.project.project import Project

        proj = self.feedback.guarded(lambda: Project.open(folder), "open project")
        if proj is None:
            return False
        self.set_project(proj, clip_id)
        return True

    def open_demo(self, reset: bool = False) -> bool:
        from ...core.project.demo import MAIN_CLIP, open_demo_project

        self.feedback.status("Preparing the demo project…")
        QApplication.processEvents()
        proj = self.feedback.guarded(lambda: open_demo_project(reset=reset), "demo")
        if proj is None:
            return False
        last = self.settings.value(f"last/clip/{Path(proj.folder).resolve()}")
        self.set_project(proj, None if (last and not reset) else MAIN_CLIP)
        self.feedback.status(
            "Demo project: a figure walks, loses balance, falls and lies still. Press Space to play, ? for shortcuts.",
            20000,
        )
        return True

    def set_project(self, proj, clip_id: Optional[str] = None) -> None:
        """Show ``proj`` and open ``clip_id``, else the project's last clip, else its first."""
        self.session.set_project(proj)
        folder = str(Path(proj.folder).resolve())
        self._remember(folder)
        self.settings.setValue("last/project", folder)
        clips = proj.clips()
        if clips:
            want = clip_id or self.settings.value(f"last/clip/{folder}") or clips[0].id
            self.open_clip(want if any(c.id == want for c in clips) else clips[0].id)
        else:
            self.session.clear_clip()
            self.feedback.status(
                "Empty project: add a motion file, videos or a folder (File ▸ Add motion… or Add folder…, or drop "
                "them on the clips list)"
            )

    def close_project(self) -> None:
        self.session.close_project()

    # ------------------------------------------------------------------ recent projects
    def recent_projects(self) -> List[str]:
        v = self.settings.value("recent/projects") or []
        if isinstance(v, str):
            v = [v]
        return [p for p in v if p]

    def _remember(self, folder: str) -> None:
        items = [folder] + [p for p in self.recent_projects() if p != folder]
        self.settings.setValue("recent/projects", items[:MAX_RECENT])
        self.settings.sync()
        self.fill_recent_menu()

    def fill_recent_menu(self, menu: Optional[QMenu] = None) -> None:
        """List the recent projects in ``menu`` (remembered: refilled when one is opened)."""
        self.recent_menu = menu or self.recent_menu
        if self.recent_menu is None:
            return
        self.recent_menu.clear()
        for p in self.recent_projects():
            a = self.recent_menu.addAction(p)
            a.triggered.connect(lambda _=False, path=p: self.open_project(path))

    # ------------------------------------------------------------------ clips
    def open_clip(self, clip_id: str) -> None:
        if self.session.project is None:
            return
        self.feedback.guarded(lambda: self.session.open_clip(clip_id), "open clip")

    def add_motion_dialog(self) -> None:
        """Pick one or more files: one motion file is added at once, several go to the batch dialog."""
        if self.session.project is None:
            self.feedback.error("open or create a project first")
            return
        paths, _ = QFileDialog.getOpenFileNames(
            self.window,
            "Add motion files or videos",
            "",
            "Motion, skeleton and video files (*.npz *.bvh *.skeleton *.npy *.csv *.mp4 *.avi *.mov *.mkv);;"
            "All files (*)",
        )
        if len(paths) == 1 and Path(paths[0]).suffix.lower() not in (".mp4", ".avi", ".mov", ".mkv"):
            self.add_motion(paths[0])
        elif paths:
            self.add_paths(paths)

    def add_folder_dialog(self) -> None:
        if self.session.project is None:
            self.feedback.error("open or create a project first")
            return
        d = QFileDialog.getExistingDirectory(self.window, "Add a folder of motion files or videos (or a dataset)")
        if d:
            self.add_paths([d])

    def add_paths(self, paths: List[str]):
        """Files and folders (picked, or dropped on the clips panel) through the batch dialog: workers convert,
        each added clip is one undo step here; the last one added is shown. Returns the dialog."""
        if self.session.project is None:
            self.feedback.error("open or create a project first")
            return None
        from ..dialogs.batch_add_dialog import BatchAddDialog

        self.session.playhead.pause()
        dlg = BatchAddDialog(
            self.session.project, paths, self.window, on_added=lambda cid: self.edits.adopt_last_command()
        )

        def done(_=0):
            if dlg.run is not None:
                self.feedback.status(dlg.run.summary.text(), 20000)
            if dlg.last_added:
                self.open_clip(dlg.last_added)

        dlg.finished.connect(done)
        dlg.show()
        return dlg

    def add_motion(self, path: str) -> Optional[str]:
        """Import a skeleton file (any format the core's importers read), add it as a clip and show it."""
        from ...core.motion.interchange import save_motion

        project = self.session.project

        def work():
            p = Path(path)
            if p.suffix.lower() == ".npz":
                return project.add_clip(p).id
            from ...core.motion.importers import import_motion

            m = import_motion(p)
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / (p.stem + ".npz")
                save_motion(m, out)
                return project.add_clip(out, subject=str(m.meta.get("subject", ""))).id

        cid = self.feedback.guarded(work, "add motion")
        if cid:
            self.edits.adopt_last_command()
            self.open_clip(cid)
        return cid

    def delete_clip(self, clip_id: str) -> None:
        if (
            QMessageBox.question(
                self.window, "Delete clip", f"Delete clip '{clip_id}' and its labels? (Ctrl+Z undoes it)"
            )
            == QMessageBox.Yes
        ):
            self.edits.execute(C.DeleteClip(clip_id))

    # ------------------------------------------------------------------ dialogs on the project
    def reconstruct_dialog(self) -> None:
        try:
            from ..dialogs.reconstruct_dialog import ReconstructDialog
        except ImportError:
            self.feedback.error("video reconstruction is not available in this build (core/reconstruct.py missing)")
            return
        if self.session.project is None:
            self.feedback.error("open or create a project first")
            return
        ReconstructDialog(self.window).exec()

    def export_dialog(self) -> None:
        if self.session.project is None:
            self.feedback.error("open a project first")
            return
        from ..dialogs.export_dialog import ExportDialog

        self.session.playhead.pause()
        ExportDialog(self.session.project, self.window).exec()
