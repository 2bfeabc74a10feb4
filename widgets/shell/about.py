"""帮助 → 关于: the version, where the data comes from, and the third-party licences.

The notices text comes from :mod:`console.version` (the bundle's
``THIRD-PARTY-NOTICES.txt``); from a source checkout there is none and the box says so.
"""

from __future__ import annotations


from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMessageBox, QPlainTextEdit, QVBoxLayout, QWidget

from console.version import notices_text, version



def about_text() -> str:
    """The About box's text, version included."""
    return QCoreApplication.translate("AboutBox", "坪山区城市运行指挥中心 · 值班台\n版本 {version}\n一网统管 · 平战结合\n"
               "数据来自区级网关或内置演示数据源（演示数据会明确标出）。\n\n"
               "本软件包含 Qt / PySide6（LGPLv3）、Qt WebEngine（Chromium）、FFmpeg（LGPL）、"
               "Python（PSF）等第三方组件，许可与源代码获取方式见“第三方许可”。").format(version=version())


class NoticesDialog(QDialog):
    """The third-party notices, read-only, selectable."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ThirdPartyNotices")
        self.setWindowTitle(QCoreApplication.translate("AboutBox", "第三方许可"))
        self.resize(820, 620)
        layout = QVBoxLayout(self)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setPlainText(notices_text() or QCoreApplication.translate(
            "AboutBox",
            "从源代码运行：第三方许可随安装包提供（THIRD-PARTY-NOTICES.txt，由 packaging/licenses.py 生成）。"))
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


def show_about(parent: QWidget) -> QMessageBox:
    """Open the About box (never exec(): the asyncio loop runs on this thread); returns it."""
    box = QMessageBox(QMessageBox.Icon.Information, QCoreApplication.translate("AboutBox", "关于"), about_text(), QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("AboutBox")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    licences = box.addButton(QCoreApplication.translate("AboutBox", "第三方许可…"), QMessageBox.ButtonRole.ActionRole)

    def open_notices(_checked: bool = False) -> None:
        dialog = parent.findChild(NoticesDialog)  # one, kept with the window
        if dialog is None:
            dialog = NoticesDialog(parent)
        dialog.open()

    licences.clicked.connect(open_notices)
    box.open()
    return box
