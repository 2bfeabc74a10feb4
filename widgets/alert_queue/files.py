"""The queue's files: CAP 1.2 imports, the CSV export of the filtered queue and the
值班交接 report, each through a core service (``core.import_cap``,
``core.exports``) and each refused, with a word in the status bar, when the seat's
role does not allow it.

File dialogs are opened with ``open()``, never ``exec()``: the asyncio loop runs on
the GUI thread (docs/pitfalls.md, qasync). Texts are translated in the queue's
context ("AlertQueuePanel").
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QWidget

from console.runtime import ConsoleCore

log = logging.getLogger(__name__)


def refusal_text(permission: str) -> str:
    """"当前席位无此权限：…" for ``permission`` (a command kind or command/export)."""
    what = {"alert.acknowledge": QCoreApplication.translate("AlertQueuePanel", "签收"),
            "command": QCoreApplication.translate("AlertQueuePanel", "下达指令"),
            "export": QCoreApplication.translate("AlertQueuePanel", "导出")}.get(permission, permission)
    return QCoreApplication.translate("AlertQueuePanel", "当前席位无此权限：{what}").format(what=what)


class QueueFiles(QObject):
    """Imports and exports of the queue panel ``window``; ``alert_ids()`` answers the
    filtered queue in order. Emits ``message(text, error)`` for the status bar and
    ``imported()`` after a CAP file was taken into the picture."""

    message = Signal(str, bool)
    imported = Signal()

    def __init__(self, core: ConsoleCore, alert_ids: Callable[[], list[str]], window: QWidget) -> None:
        super().__init__(window)
        self._core = core
        self._alert_ids = alert_ids
        self._window = window
        self._dialogs: list[QFileDialog] = []

    def _refuse(self, permission: str) -> bool:
        self.message.emit(refusal_text(permission), True)
        return False

    # ------------------------------------------------------------------ dialogs

    def import_cap_dialog(self) -> QFileDialog:
        """Ask for CAP 1.2 files and import them through the core."""
        return self._file_dialog(QCoreApplication.translate("AlertQueuePanel", "导入 CAP 预警文件"),
                                 QCoreApplication.translate("AlertQueuePanel", "CAP 预警 (*.xml *.cap);;所有文件 (*)"),
                                 save=False, on_files=self.import_cap_files)

    def export_csv_dialog(self) -> QFileDialog:
        """Ask where to write the filtered queue as CSV."""
        return self._file_dialog(QCoreApplication.translate("AlertQueuePanel", "导出告警清单"),
                                 QCoreApplication.translate("AlertQueuePanel", "CSV 文件 (*.csv)"), save=True,
                                 on_files=lambda files: self.export_csv(files[0]),
                                 default=self._default_path("queue_csv"))

    def handover_dialog(self) -> QFileDialog:
        """Ask where to write the 值班交接 report: the dialog opens in the reports folder
        with a new name filled in (Return saves it there)."""
        return self._file_dialog(QCoreApplication.translate("AlertQueuePanel", "生成值班交接"),
                                 QCoreApplication.translate("AlertQueuePanel", "Markdown 文件 (*.md)"), save=True,
                                 on_files=lambda files: self.write_handover(files[0]),
                                 default=self._default_path("handover"))

    def _default_path(self, kind: str) -> str:
        exports = self._core.exports
        try:
            path = exports.default_path(kind) if exports is not None else None
        except OSError:  # the folder cannot be made: the dialog starts where Qt likes
            log.exception("reports folder unavailable")
            path = None
        return str(path) if path else ""

    def _file_dialog(self, title: str, pattern: str, *, save: bool, on_files: Callable[[list[str]], object],
                     default: str = "") -> QFileDialog:
        folder, name = (os.path.dirname(default), os.path.basename(default)) if default else ("", "")
        dialog = QFileDialog(self._window, title, folder, pattern)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave if save else QFileDialog.AcceptMode.AcceptOpen)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile if save else QFileDialog.FileMode.ExistingFiles)
        if name:
            dialog.selectFile(name)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._dialogs.append(dialog)

        def done(result: int) -> None:
            files = dialog.selectedFiles()
            self._dialogs.remove(dialog)
            if result and files:
                on_files(files)

        dialog.finished.connect(done)
        dialog.open()
        return dialog

    # ------------------------------------------------------------------ the work

    def import_cap_files(self, paths: list[str]) -> int:
        """Import CAP files through ``core.import_cap``; returns how many succeeded."""
        if not self._core.can("command"):
            return int(self._refuse("command"))
        ok = 0
        for path in paths:
            try:
                result = self._core.import_cap(path)
            except Exception as exc:  # noqa: BLE001 - CapError names the element and the reason
                self.message.emit(QCoreApplication.translate("AlertQueuePanel", "CAP 导入失败：{name}：{error}").format(
                    name=path.rsplit("/", 1)[-1], error=exc), True)
                continue
            ok += 1
            problems = "；".join(result.problems)
            self.message.emit(QCoreApplication.translate("AlertQueuePanel", "CAP 已导入（{action}）{problems}").format(
                action=result.action, problems=problems), bool(problems))
            self.imported.emit()
        return ok

    def export_csv(self, path: str) -> str | None:
        """Export the filtered queue (every member of every group, masked) through the core."""
        if not self._core.can("export"):
            self._refuse("export")
            return None
        try:
            written = self._core.exports.export_queue_csv(path, self._alert_ids())
        except Exception as exc:  # noqa: BLE001
            self.message.emit(str(exc), True)
            return None
        self.message.emit(QCoreApplication.translate("AlertQueuePanel", "已导出：{path}").format(path=written), False)
        return str(written)

    def write_handover(self, path: str) -> str | None:
        """Write the 值班交接 report through the core."""
        if not self._core.can("export"):
            self._refuse("export")
            return None
        try:
            written = self._core.exports.write_handover(path)
        except Exception as exc:  # noqa: BLE001
            self.message.emit(str(exc), True)
            return None
        self.message.emit(QCoreApplication.translate("AlertQueuePanel", "值班交接已生成：{path}").format(path=written),
                          False)
        return str(written)
