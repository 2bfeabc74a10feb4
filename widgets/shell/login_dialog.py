"""登录 — the login dialog shown at start when the gateway requires login.

The dialog only collects the user name and password and shows the outcome; the
login itself is the core's :class:`console.auth.AuthSession` (the view never talks
to the network). It is opened with ``open()`` and awaited (:func:`ask_login`): no
``exec()`` inside the asyncio loop (docs/pitfalls.md, qasync).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

log = logging.getLogger(__name__)


async def login_error(session: Any, user: str, password: str) -> str | None:
    """Log ``session`` in: None when it worked, else why not, in Chinese (never raises
    anything but ``CancelledError``)."""
    from console.auth import AuthError

    try:
        await session.login(user, password)
    except AuthError as exc:
        return str(exc.reason)
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # noqa: BLE001 - never a traceback in the UI
        log.exception("login failed")
        return QCoreApplication.translate("LoginDialog", "登录失败：{error}").format(error=type(exc).__name__)
    return None


class LoginDialog(QDialog):
    """User name, password, the gateway's address and a Chinese error line.

    ``attempt()`` logs in through the session; the dialog accepts itself on success
    and stays open (password cleared, reason in red) on failure.
    """

    def __init__(self, session: Any, username: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("LoginDialog")
        self._session = session
        self._task: asyncio.Task[Any] | None = None
        self.setWindowTitle(self.tr("登录 · 坪山区城市运行指挥中心"))
        self.setModal(True)
        self.setMinimumWidth(460)

        title = QLabel(self.tr("坪山区城市运行指挥中心 · 值班台"), self)
        title.setObjectName("HeaderTitle")
        subtitle = QLabel(self.tr("请使用统一身份账号登录"), self)
        subtitle.setObjectName("HeaderSubtitle")
        self.gateway = QLabel(str(getattr(session, "base_url", "")), self)
        self.gateway.setObjectName("LoginGateway")
        self.gateway.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.user = QLineEdit(username, self)
        self.user.setObjectName("LoginUser")
        self.user.setPlaceholderText(self.tr("用户名"))
        self.password = QLineEdit(self)
        self.password.setObjectName("LoginPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(self.tr("密码"))
        self.error = QLabel(self)
        self.error.setObjectName("LoginError")
        self.error.setStyleSheet("color: #ff5252;")
        self.error.setWordWrap(True)
        self.error.hide()
        self.login_button = QPushButton(self.tr("登录"), self)
        self.login_button.setObjectName("LoginButton")
        self.quit_button = QPushButton(self.tr("退出"), self)
        self.quit_button.setObjectName("LoginQuit")
        # Only 登录 may take Return. A QPushButton in a dialog is autoDefault: when focus
        # lands on 退出 it becomes the default, and Return then quits the program.
        for button in (self.login_button, self.quit_button):
            button.setAutoDefault(False)
        self.login_button.setDefault(True)

        form = QFormLayout()
        form.addRow(self.tr("网关"), self.gateway)
        form.addRow(self.tr("用户名"), self.user)
        form.addRow(self.tr("密码"), self.password)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.quit_button)
        buttons.addWidget(self.login_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        layout.addSpacing(6)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(buttons)

        self.login_button.clicked.connect(self.attempt)
        self.password.returnPressed.connect(self.attempt)
        self.user.returnPressed.connect(self.password.setFocus)
        self.quit_button.clicked.connect(self.reject)
        (self.password if username else self.user).setFocus()

    def show_error(self, text: str) -> None:
        """Show ``text`` in red under the form."""
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def attempt(self) -> None:
        """Log in with what was typed (one attempt at a time)."""
        if self._task is not None and not self._task.done():
            return
        user, password = self.user.text().strip(), self.password.text()
        if not user or not password:
            self.show_error(self.tr("请输入用户名和密码"))
            (self.user if not user else self.password).setFocus()
            return
        self._busy(True)
        self.show_error(self.tr("正在登录…"))
        self.error.setStyleSheet("")
        self._task = asyncio.get_event_loop().create_task(self._login(user, password))

    async def _login(self, user: str, password: str) -> None:
        try:
            error = await login_error(self._session, user, password)
        except asyncio.CancelledError:
            self._busy(False)
            return
        if error is not None:
            self._failed(error)
            return
        self.password.clear()
        self.accept()

    def _failed(self, reason: str) -> None:
        self._busy(False)
        self.error.setStyleSheet("color: #ff5252;")
        self.show_error(reason)
        self.password.clear()
        self.password.setFocus()

    def _busy(self, busy: bool) -> None:
        # Read-only, not disabled: a disabled field gives its focus away (to 退出 once),
        # and a Return typed meanwhile must land on the field, where attempt() ignores it.
        for field in (self.user, self.password):
            field.setReadOnly(busy)
        self.login_button.setEnabled(not busy)
        if busy and not (self.user.hasFocus() or self.password.hasFocus()):
            self.password.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        # Return in a field was handled by its returnPressed (next field, or attempt());
        # passing it on would click the default button a second time.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.focusWidget() in (self.user, self.password):
            event.accept()
            return
        super().keyPressEvent(event)

    def done(self, result: int) -> None:  # noqa: D102 - Qt's name
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self.password.clear()
        super().done(result)


async def ask_login(session: Any, username: str = "", parent: QWidget | None = None,
                    error: str = "") -> bool:
    """Show the login dialog (``open()``, not ``exec()``) and wait; True once logged in."""
    dialog = LoginDialog(session, username, parent)
    if error:
        dialog.show_error(error)
    done: asyncio.Future[int] = asyncio.get_event_loop().create_future()

    def on_finished(code: int) -> None:
        if not done.done():
            done.set_result(int(code))

    dialog.finished.connect(on_finished)
    dialog.open()
    try:
        code = await done
    finally:
        dialog.deleteLater()
    return code == int(QDialog.DialogCode.Accepted)
