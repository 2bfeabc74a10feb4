"""锁屏 — the overlay that covers the console while it is locked or the login has lapsed.

Two modes:

- ``lock``: the operator locked the console (Ctrl+Shift+L) or it sat idle. The
  password is checked in memory by the session (works offline); the stream goes on
  underneath, the picture is hidden.
- ``relogin``: the gateway no longer accepts the session (refresh refused, token
  revoked). The password logs in again through the session; commands queued
  meanwhile wait in the outbox and go out once.

The overlay is an opaque child widget over the whole main window (it takes every
mouse and key event meant for the window below), not a separate window.

Wrong passwords in ``lock`` mode are throttled by the session (``AuthSession.unlock``):
after a few, the next try must wait, and the wait counts down here (解锁 is off until
then); too many in a row end the session: ``session_ended`` is emitted and the
application goes back to the login dialog.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

log = logging.getLogger(__name__)


class LockScreen(QWidget):
    """Covers ``parent`` entirely; ``logout_requested`` when the operator chooses 注销."""

    logout_requested = Signal()
    unlocked = Signal()
    session_ended = Signal()
    """Too many wrong passwords: the session already logged out; show the login dialog."""

    def __init__(self, session: Any, parent: QWidget) -> None:
        super().__init__(parent)
        self._cover_of = parent
        self.setObjectName("LockScreen")
        self._session = session
        self._task: asyncio.Task[Any] | None = None
        self.mode = "lock"
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet("#LockScreen { background: #0b1320; } #LockCard { background: #111c2e; "
                           "border: 1px solid #22354f; border-radius: 8px; } "
                           "#LockCard QLabel { background: transparent; }")

        card = QFrame(self)
        card.setObjectName("LockCard")
        card.setFixedWidth(440)
        self.title = QLabel(card)
        self.title.setObjectName("HeaderTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.who = QLabel(card)
        self.who.setObjectName("LockWho")
        self.who.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint = QLabel(card)
        self.hint.setObjectName("HeaderSubtitle")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setWordWrap(True)
        self.password = QLineEdit(card)
        self.password.setObjectName("LockPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(self.tr("密码"))
        self.error = QLabel(card)
        self.error.setObjectName("LockError")
        self.error.setStyleSheet("color: #ff5252;")
        self.error.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.error.setWordWrap(True)
        self.unlock_button = QPushButton(card)
        self.unlock_button.setObjectName("UnlockButton")
        self.unlock_button.setDefault(True)
        self.logout_button = QPushButton(self.tr("注销"), card)
        self.logout_button.setObjectName("LockLogout")
        self.logout_button.setAutoDefault(False)

        buttons = QHBoxLayout()
        buttons.addWidget(self.logout_button)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        inner = QVBoxLayout(card)
        inner.setContentsMargins(28, 24, 28, 24)
        inner.setSpacing(10)
        inner.addWidget(self.title)
        inner.addWidget(self.who)
        inner.addWidget(self.hint)
        inner.addWidget(self.password)
        inner.addWidget(self.error)
        inner.addLayout(buttons)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(card, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)

        self._wait_timer = QTimer(self)  # counts a throttled unlock's wait down
        self._wait_timer.setInterval(250)
        self._wait_timer.timeout.connect(self._on_wait_tick)

        self.unlock_button.clicked.connect(self.attempt)
        self.password.returnPressed.connect(self.attempt)
        self.logout_button.clicked.connect(self.logout_requested)
        parent.installEventFilter(self)
        self.hide()

    # ------------------------------------------------------------------ public

    def show_mode(self, mode: str, reason: str = "") -> None:
        """Cover the window: ``lock`` (password checked locally) or ``relogin`` (log in again)."""
        self.mode = mode
        ident = getattr(self._session, "identity", None)
        if ident is not None:
            self.who.setText(self.tr("{name}（{user}）").format(name=ident.name, user=ident.username))
        if mode == "relogin":
            self.title.setText(self.tr("登录已失效"))
            self.hint.setText(self.tr("请重新输入密码登录。未发送的指令已保留，登录后将自动发送。"))
            self.unlock_button.setText(self.tr("重新登录"))
        else:
            self.title.setText(self.tr("值班台已锁定"))
            self.hint.setText(self.tr("请输入密码解锁（Ctrl+Shift+L 可随时锁定）"))
            self.unlock_button.setText(self.tr("解锁"))
        self.error.setText(reason)
        self.password.clear()
        self._busy(False)
        if mode == "lock":
            self._on_wait_tick()  # a wait still running from an earlier lock goes on
        self.setGeometry(self._cover_of.rect())
        self.raise_()
        self.show()
        self.password.setFocus()

    def attempt(self) -> None:
        """Unlock, or log in again, with the typed password."""
        password = self.password.text()
        if not password:
            self.error.setText(self.tr("请输入密码"))
            return
        if self.mode == "relogin":
            if self._task is None or self._task.done():
                self._busy(True)
                self.error.setText(self.tr("正在登录…"))
                self._task = asyncio.get_event_loop().create_task(self._relogin(password))
            return
        from console.auth import AuthError, SessionEnded

        try:
            self._session.unlock(password)
        except SessionEnded as exc:
            self._wrong(self._text_of(exc))
            self._wait_timer.stop()
            log.warning("lock screen: session ended after repeated wrong passwords")
            self.session_ended.emit()
            return
        except AuthError as exc:
            self._wrong(self._text_of(exc))
            if exc.wait_s > 0:
                self._on_wait_tick()
            return
        self._done()

    # ------------------------------------------------------------------ internals

    async def _relogin(self, password: str) -> None:
        from widgets.shell.login_dialog import login_error

        ident = getattr(self._session, "identity", None)
        try:
            error = await login_error(self._session, ident.username if ident else "", password)
        except asyncio.CancelledError:
            self._busy(False)
            return
        if error is not None:
            self._wrong(error)
            return
        self._done()

    @staticmethod
    def _text_of(exc: Any) -> str:
        """The core's reason in the UI's language (its code through the translator)."""
        from console.texts import render

        text = getattr(exc, "text", None)
        return render(text, QCoreApplication.translate) if text is not None else str(exc.reason)

    def _on_wait_tick(self) -> None:
        """Count the unlock wait down (the core says how long); 解锁 comes back after it."""
        unlock_status = getattr(self._session, "unlock_status", None)
        status = unlock_status() if callable(unlock_status) and self.mode == "lock" else None
        if status is None:
            if self._wait_timer.isActive():
                self._wait_timer.stop()
                self.error.clear()
            self.unlock_button.setEnabled(not self.password.isReadOnly())
            return
        from console.texts import render

        self.unlock_button.setEnabled(False)
        self.error.setText(render(status, QCoreApplication.translate))
        if not self._wait_timer.isActive():
            self._wait_timer.start()

    def _wrong(self, reason: str) -> None:
        self._busy(False)
        self.error.setText(reason)
        self.password.clear()
        self.password.setFocus()

    def _done(self) -> None:
        self._busy(False)
        self.password.clear()
        self.error.clear()
        self.hide()
        self.unlocked.emit()

    def _busy(self, busy: bool) -> None:
        # Read-only, not disabled: a disabled field gives its focus to 注销 (see LoginDialog).
        self.password.setReadOnly(busy)
        self.unlock_button.setEnabled(not busy)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self._cover_of and event.type() == QEvent.Type.Resize and self.isVisible():
            self.setGeometry(self._cover_of.rect())
        return super().eventFilter(watched, event)

    def shutdown(self) -> None:
        """Cancel a login in flight and stop watching the window (it is closing).

        The filter must go before the window is destroyed: PySide crashes wrapping a
        half-destroyed widget handed to a Python event filter."""
        self._wait_timer.stop()
        if self._task is not None and not self._task.done():
            self._task.cancel()
        if self._cover_of is not None:
            try:
                self._cover_of.removeEventFilter(self)
            except RuntimeError:
                pass
