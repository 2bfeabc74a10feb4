"""文件 → 打开报告… / 打开报告文件夹 / 最近的报告: the reports the console wrote, one key away.

Reports live in the core's reports folder (``console/reports.py``: ``<cache>/reports``);
the recent list is read from that folder each time the menu opens, so it also shows
reports of earlier sessions and never goes stale. Files open in the desktop's own viewer
(browser for HTML, PDF viewer, text editor for Markdown and CSV).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QWidget

from console.runtime import ConsoleCore

log = logging.getLogger(__name__)

RECENT = 10
"""How many reports 最近的报告 lists."""


def open_with_desktop(path: Path) -> bool:
    """Open ``path`` in the desktop's viewer for its kind."""
    return bool(QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))))


class ReportsMenu(QObject):
    """The reports entries of the 文件 menu, for one window and its core.

    ``opener`` opens a file (the desktop's viewer; tests replace it); ``message(text,
    error)`` goes to the status bar.
    """

    message = Signal(str, bool)

    def __init__(self, window: QWidget, menu: QMenu, core: ConsoleCore, before: QAction | None = None,
                 opener: Callable[[Path], bool] | None = None) -> None:
        super().__init__(window)
        self.setObjectName("ReportsMenu")
        self._window = window
        self._core = core
        self.opener = opener or open_with_desktop
        self._dialog: QFileDialog | None = None
        self.open_action = QAction(self.tr("打开报告…"), window)
        self.open_action.setObjectName("OpenReportAction")
        self.open_action.setShortcut(QKeySequence("Ctrl+O"))
        self.open_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.open_action.triggered.connect(self.open_dialog)
        self.folder_action = QAction(self.tr("打开报告文件夹"), window)
        self.folder_action.setObjectName("OpenReportsFolderAction")
        self.folder_action.triggered.connect(self.open_folder)
        self.recent_menu = QMenu(self.tr("最近的报告"), window)
        self.recent_menu.setObjectName("RecentReportsMenu")
        self.recent_menu.aboutToShow.connect(self.refresh_recent)
        menu.insertAction(before, self.open_action)
        menu.insertAction(before, self.folder_action)
        menu.insertMenu(before, self.recent_menu)
        if before is not None:
            menu.insertSeparator(before)
        window.addAction(self.open_action)  # the key works with the menu closed
        self.refresh_recent()

    @property
    def folder(self) -> Path | None:
        return self._core.reports.folder

    def _ready_folder(self) -> Path | None:
        """The reports folder, made by the core when missing (a view touches no disk itself)."""
        return self._core.reports.ensure()

    def recent(self) -> list[Path]:
        """The newest reports, newest first."""
        return self._core.reports.recent(RECENT)

    def refresh_recent(self) -> None:
        """Fill 最近的报告 from the folder (each entry opens its file)."""
        self.recent_menu.clear()
        files = self.recent()
        for n, path in enumerate(files, start=1):
            act = self.recent_menu.addAction(f"&{n % 10} {path.name}" if n <= 10 else path.name)
            act.setToolTip(str(path))
            act.setStatusTip(str(path))
            act.triggered.connect(lambda _c=False, p=path: self.open_file(p))
        if not files:
            none = self.recent_menu.addAction(self.tr("（还没有报告）"))
            none.setEnabled(False)

    def open_file(self, path: str | Path) -> bool:
        """Open one report in the desktop's viewer; says so (with the full path) either way."""
        p = Path(path)
        if not self._core.reports.has(p):
            self.message.emit(self.tr("报告不存在：{p}").format(p=p), True)
            return False
        ok = self.opener(p)
        if ok:
            self.message.emit(self.tr("已打开报告：{p}").format(p=p), False)
        else:
            self.message.emit(self.tr("无法打开报告（没有可用的查看程序）：{p}").format(p=p), True)
        return ok

    def open_folder(self) -> bool:
        """Open the reports folder in the desktop's file manager."""
        folder = self._ready_folder()
        if folder is None:
            return False
        ok = self.opener(folder)
        self.message.emit((self.tr("报告文件夹：{p}") if ok else self.tr("无法打开报告文件夹：{p}")).format(p=folder),
                          not ok)
        return ok

    def open_dialog(self) -> QFileDialog:
        """Choose a report (the dialog opens in the reports folder) and open it."""
        folder = self._ready_folder()
        dialog = QFileDialog(self._window, self.tr("打开报告"), str(folder or ""),
                             self.tr("报告 (*.html *.pdf *.md *.csv);;所有文件 (*)"))
        dialog.setObjectName("OpenReportDialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        newest = self.recent()
        if newest:
            dialog.selectFile(newest[0].name)

        def done(result: int) -> None:
            files = dialog.selectedFiles()
            self._dialog = None
            if result and files:
                self.open_file(files[0])

        dialog.finished.connect(done)
        self._dialog = dialog
        dialog.open()  # never exec(): the asyncio loop runs on this thread
        return dialog
