"""The session in the main window: the 账户 menu (lock, logout), the idle lock and the
lock/re-login overlay.

``SessionControls.attach(window, session)`` is the one hook the application calls
after it built the main window; the window itself knows nothing of sessions. While
the overlay is up, every action and shortcut of the window is disabled (an export
or a command must not be reachable behind a locked screen), except 退出.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QMainWindow, QMenuBar, QMessageBox

from console.auth import AuthSession
from widgets.bridge import SessionSignals
from widgets.shell.lock_screen import LockScreen

log = logging.getLogger(__name__)

LOCK_SHORTCUT = "Ctrl+Shift+L"
"""Lock the console. (Ctrl+L is already 闭环 in the alert workflow.)"""

IDLE_CHECK_MS = 5000

_ACTIVITY_EVENTS = frozenset({QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
                              QEvent.Type.Wheel, QEvent.Type.TouchBegin})

ROLE_TEXT = {
    "viewer": str(QT_TRANSLATE_NOOP("SessionControls", "只读席位")),
    "operator": str(QT_TRANSLATE_NOOP("SessionControls", "值班员")),
    "supervisor": str(QT_TRANSLATE_NOOP("SessionControls", "值班长")),
    "administrator": str(QT_TRANSLATE_NOOP("SessionControls", "系统管理员")),
}


class SessionControls(QObject):
    """Lock, logout and the idle timer for one main window and one session.

    ``logout_requested`` is emitted once the operator confirmed 注销, or when the lock
    screen ended the session after too many wrong passwords; the application then stops
    the core (the cache stays) and shows the login dialog again.
    """

    logout_requested = Signal()
    switch_requested = Signal(str)  # the incoming officer's user name: log out, then they log in

    def __init__(self, window: QMainWindow, session: AuthSession) -> None:
        super().__init__(window)
        self.setObjectName("SessionControls")
        self._window = window
        self._session = session
        self._disabled: list[Any] = []
        self._confirm: QMessageBox | None = None
        self.lock_screen = LockScreen(session, window)
        self.lock_screen.logout_requested.connect(self.request_logout)
        self.lock_screen.unlocked.connect(self._on_unlocked)
        # Too many wrong passwords: the session has ended already, no confirmation to ask.
        self.lock_screen.session_ended.connect(self.logout_requested)

        bar = window.findChild(QMenuBar)
        who = self.identity_text(session.identity)
        self.menu = None
        if bar is not None:
            existing = bar.actions()  # before 帮助, which stays last
            self.menu = bar.addMenu(self.tr("账户(&U)"))
            if existing:
                bar.insertMenu(existing[-1], self.menu)
        self.who_action = QAction(self.tr("当前用户：{who}").format(who=who), window)
        self.who_action.setEnabled(False)
        self.lock_action = QAction(self.tr("锁定屏幕"), window)
        self.lock_action.setShortcut(QKeySequence(LOCK_SHORTCUT))
        self.lock_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.lock_action.triggered.connect(self.lock)
        self.logout_action = QAction(self.tr("注销…"), window)
        self.logout_action.triggered.connect(self.request_logout)
        if self.menu is not None:
            self.menu.addAction(self.who_action)
            self.menu.addSeparator()
            self.menu.addAction(self.lock_action)
            self.menu.addAction(self.logout_action)
        window.addAction(self.lock_action)
        # The header names who sits here and in which seat (the window shows the operator name only).
        header_label = getattr(getattr(window, "header", None), "operator", None)
        if header_label is not None and who:
            header_label.setText(who)

        self._apply_role()
        self._session_signals = SessionSignals(session, self)  # auth.session_changed as a Qt signal
        self._session_signals.changed.connect(self._on_session_event)
        self._timer = QTimer(self)
        self._timer.setInterval(IDLE_CHECK_MS)
        self._timer.timeout.connect(self._on_idle_tick)
        self._timer.start()
        # Input is watched on the window's own QWindow, which sees every key and mouse event
        # for the window before its widgets do. Not on the QApplication: a Python filter
        # there is handed QtWebEngine's internal QtQuick objects and PySide crashes
        # wrapping them (seen here; reported upstream, e.g. TimeLineAnnotator/desktop#549).
        self._watched: Any = None
        self._watch_window()
        closed = getattr(window, "closed", None)
        if closed is not None:
            closed.connect(self.shutdown)

    @classmethod
    def attach(cls, window: QMainWindow, session: AuthSession) -> "SessionControls":
        """Add the session's menu, shortcut, idle lock and overlay to ``window``."""
        controls = cls(window, session)
        window.session_controls = controls  # type: ignore[attr-defined]
        return controls

    @staticmethod
    def role_text(role: str) -> str:
        return QCoreApplication.translate("SessionControls", ROLE_TEXT.get(role, role))

    @classmethod
    def identity_text(cls, ident: Any) -> str:
        """``chief（值班长）`` or ``马峦街道分中心值班员 maluan（值班员 · 马峦街道）``."""
        if ident is None:
            return ""
        role = cls.role_text(ident.role)
        detail = role
        if ident.street:
            from console import catalogue

            names = {s.id: s.name_zh for s in catalogue.streets()}
            detail += " · " + QCoreApplication.translate("SessionControls", "{street}街道").format(
                street=names.get(ident.street, ident.street))
        text = f"{ident.username}（{detail}）"
        return text if ident.name in ("", role) else f"{ident.name} {text}"

    # ------------------------------------------------------------------ actions

    MENU_PERMISSIONS: tuple[tuple[str, str], ...] = (
        ("import_cap", "command"), ("export_csv", "export"), ("handover", "export"))
    """The window's 告警 menu entries and the permission each needs (the rest are views)."""

    def _apply_role(self) -> None:
        """Hide the window's menu entries the seat may not use (issue 10: offer only what it allows)."""
        from console.workflow import has_permission

        actions = getattr(self._window, "alert_actions", None)
        if not isinstance(actions, dict) or self._session.identity is None:
            return
        for key, permission in self.MENU_PERMISSIONS:
            act = actions.get(key)
            if act is not None and not has_permission(self._session.role, permission):
                act.setVisible(False)
                act.setEnabled(False)

    def lock(self) -> None:
        """Lock now (Ctrl+Shift+L)."""
        self._session.lock()

    def request_logout(self) -> None:
        """Ask for confirmation (a non-blocking box: no exec() on the asyncio thread)."""
        self._ask(QMessageBox.Icon.Question, "LogoutConfirm", self.tr("注销"),
                  self.tr("注销后将停止接收数据，本地缓存保留。确定注销吗？"),
                  (self.tr("注销"), self.tr("取消")), yes_default=False, on_yes=self.logout_requested.emit)

    def offer_switch(self, outgoing_user: str, incoming_user: str, incoming_name: str) -> None:
        """After an acknowledged handover: while the seat is still signed in as the outgoing
        officer, every action would be recorded under their name; offer to log out now and
        let the incoming officer log in (Return takes the switch; 稍后 keeps the session)."""
        ident = self._session.identity
        if ident is None or ident.username != outgoing_user:
            return
        self._ask(QMessageBox.Icon.Information, "ShiftSwitchConfirm", self.tr("接班完成"),
                  self.tr("{incoming} 已确认接班。\n本席位仍以 {outgoing} 的身份登录，此后的操作都会记在"
                          " {outgoing} 名下。\n现在注销，由 {incoming} 登录吗？").format(
                      incoming=incoming_name, outgoing=ident.name or outgoing_user),
                  (self.tr("注销并由接班人登录"), self.tr("稍后")), yes_default=True,
                  on_yes=lambda: self.switch_requested.emit(incoming_user))

    def _ask(self, icon: QMessageBox.Icon, name: str, title: str, text: str, buttons: tuple[str, str], *,
             yes_default: bool, on_yes: Callable[[], None]) -> None:
        """One yes/no box at a time, opened without blocking; ``on_yes`` runs if it is taken."""
        if self._confirm is not None:
            return
        yes, no = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No
        box = QMessageBox(icon, title, text, yes | no, self._window)
        box.setObjectName(name)
        box.button(yes).setText(buttons[0])
        box.button(no).setText(buttons[1])
        box.setDefaultButton(yes if yes_default else no)

        def finished(code: int) -> None:
            self._confirm = None
            box.deleteLater()
            if code == int(yes):
                on_yes()

        box.finished.connect(finished)
        self._confirm = box
        box.open()

    def _watch_window(self) -> None:
        handle = self._window.windowHandle()
        if handle is not None and handle is not self._watched:
            handle.installEventFilter(self)
            self._watched = handle

    def shutdown(self) -> None:
        """Stop the idle timer and the event filter (the window is closing); safe twice."""
        self._timer.stop()
        if self._watched is not None:
            try:
                self._watched.removeEventFilter(self)
            except RuntimeError:
                pass
            self._watched = None
        self._session_signals.close()
        self.lock_screen.shutdown()

    # ------------------------------------------------------------------ session events

    def _on_session_event(self, event: str) -> None:
        if event == "lock":
            if not (self.lock_screen.isVisible() and self.lock_screen.mode == "relogin"):
                self._cover("lock")
        elif event == "expired":
            self._cover("relogin", str(self._session.last_error or ""))
        elif event in ("unlock", "login") and self.lock_screen.isVisible() and not self._session.locked:
            self.lock_screen.hide()
            self._on_unlocked()

    def _cover(self, mode: str, reason: str = "") -> None:
        self._set_window_actions(False)
        self.lock_screen.show_mode(mode, reason)

    def _on_unlocked(self) -> None:
        self._set_window_actions(True)

    def _set_window_actions(self, enabled: bool) -> None:
        """Disable every action and shortcut of the window behind the overlay (退出 stays)."""
        if not enabled:
            if self._disabled:
                return
            keep = {getattr(self._window, "quit_action", None)}
            found: list[Any] = [*self._window.findChildren(QAction), *self._window.findChildren(QShortcut)]
            for obj in found:
                if obj in keep or obj is self.logout_action or not obj.isEnabled():
                    continue
                obj.setEnabled(False)
                self._disabled.append(obj)
            return
        for obj in self._disabled:
            try:
                obj.setEnabled(True)
            except RuntimeError:  # deleted meanwhile
                pass
        self._disabled.clear()

    # ------------------------------------------------------------------ idle

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() in _ACTIVITY_EVENTS:
            self._session.note_activity()
        return False

    def _on_idle_tick(self) -> None:
        self._watch_window()  # the native window exists only once shown
        try:
            self._session.check_idle()
        except Exception:  # noqa: BLE001
            log.exception("idle check failed")
