"""First start: which profile does this workstation run?

:class:`ProfileDialog` lists the profiles (district centre, street sub-centres,
departments) with their scope.  :func:`ask_profile` opens it without a nested event
loop (``open()`` and a future, never ``exec()``: the asyncio loop runs on this
thread) and returns the chosen :class:`~console.profiles.Profile`, or None when the
operator cancels.  The dialog only shows and returns a choice; remembering it is
the core's business (``console.profiles.remember_choice``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from console.profiles import Profile


class ProfileDialog(QDialog):
    """A list of profiles; Enter or a double-click takes the selected one."""

    def __init__(self, profiles: list[Profile], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ProfileDialog")
        self.setWindowTitle(self.tr("选择本机配置"))
        self.setModal(True)
        self._profiles = list(profiles)
        intro = QLabel(self.tr("首次启动：请选择本工作站所属的指挥中心。之后可用 --profile 参数更改。"), self)
        intro.setWordWrap(True)
        self.list = QListWidget(self)
        self.list.setObjectName("ProfileList")
        scopes = {"district": self.tr("区级"), "street": self.tr("街道"), "department": self.tr("部门")}
        for profile in self._profiles:
            item = QListWidgetItem(f"{profile.title}　〔{scopes.get(profile.scope, profile.scope)}〕　{profile.name}")
            item.setData(Qt.ItemDataRole.UserRole, profile.name)
            self.list.addItem(item)
        if self._profiles:
            self.list.setCurrentRow(0)
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("使用此配置"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        self.resize(520, 420)

    def chosen(self) -> Profile | None:
        """The selected profile (None when nothing is selected)."""
        row = self.list.currentRow()
        return self._profiles[row] if 0 <= row < len(self._profiles) else None

    def select(self, name: str) -> bool:
        """Select a profile by name (tests, keyboard users typing ahead)."""
        for row, profile in enumerate(self._profiles):
            if profile.name == name:
                self.list.setCurrentRow(row)
                return True
        return False


async def ask_profile(profiles: list[Profile], parent: QWidget | None = None) -> Profile | None:
    """Show :class:`ProfileDialog` and wait for the answer without blocking the loop."""
    dialog = ProfileDialog(profiles, parent)
    done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()

    def finished(result: int) -> None:
        if not done.done():
            done.set_result(dialog.chosen() if result == QDialog.DialogCode.Accepted else None)

    dialog.finished.connect(finished)
    dialog.open()
    try:
        return await done
    finally:
        dialog.deleteLater()
