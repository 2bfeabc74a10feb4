"""The call bar: the seat's SIP registration, the call in progress and its keys.

One row across the bottom of the main window, above the status bar. Left: the registration (融合通信未配置 /
已注册 / 注册失败：服务器不可达) and 无音频设备 when the workstation has no sound card.
Middle: the call (正在呼叫 / 振铃中 / 来电 / 通话中 with its running time / 保持中 / 通话结束
with the outcome); an incoming call turns the bar amber with the caller's name. Right: a
number box, 呼叫, a 呼叫对象 menu (the map's rescue teams and resources, the assignees of
open tasks, the reporter of the selected alert) and the call keys:

- F3 接听 (answer) · F4 挂断 (hang up / cancel / refuse) · F6 保持/恢复 · F7 转接 to the
  number in the box (blind transfer) · Ctrl+Shift+K puts the cursor in the number box.

The view only asks the core (:mod:`console.comms`); errors arrive as the core's Chinese
texts and are shown in the bar and the status bar, never as a traceback.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Coroutine

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QLineEdit, QMainWindow, QMenu, QPushButton, QSizePolicy,
                               QToolBar, QToolButton, QWidget)

from console.comms import Call, CallError, CallRecord, CallService, Registration
from console.comms.seat import call_reporter, call_resource, call_task_assignee, seat_calls
from console.texts import render
from widgets.bridge import CallSignals

log = logging.getLogger(__name__)

KEYS = {"answer": "F3", "hangup": "F4", "hold": "F6", "transfer": "F7", "number": "Ctrl+Shift+K"}
"""The call keys (window-wide; none of them is taken elsewhere in the console)."""


def _outcome_text(outcome: str) -> str:
    # Literal translate() calls: lupdate reads these (it cannot see through a helper).
    return {
        "answered": QCoreApplication.translate("CallBar", "已结束"),
        "busy": QCoreApplication.translate("CallBar", "对方忙"),
        "no_answer": QCoreApplication.translate("CallBar", "无人接听"),
        "failed": QCoreApplication.translate("CallBar", "呼叫失败"),
        "cancelled": QCoreApplication.translate("CallBar", "已取消"),
        "missed": QCoreApplication.translate("CallBar", "未接来电"),
        "rejected": QCoreApplication.translate("CallBar", "已拒接"),
    }.get(outcome, outcome)


def _duration(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 60:02d}:{s % 60:02d}" if s < 3600 else f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


class CallBar(QWidget):
    """The seat's calling controls (see the module docstring)."""

    message = Signal(str, bool)  # text, is_error (the status bar shows it)

    def __init__(self, core: Any, calls: CallService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("CallBar")
        self._core = core
        self.calls = calls
        self._signals = CallSignals(calls, self)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._alert_id: str | None = None
        self._closed = False

        self.registration_label = QLabel(self)
        self.registration_label.setObjectName("CallRegistration")
        self.audio_label = QLabel(self.tr("无音频设备"), self)
        self.audio_label.setObjectName("CallNoAudio")
        self.audio_label.setToolTip(self.tr("本机没有声卡：呼叫只建立信令，听不到声音"))
        self.audio_label.hide()
        self.state_label = QLabel(self.tr("空闲"), self)
        self.state_label.setObjectName("CallState")
        self.state_label.setMinimumWidth(260)
        self.number_edit = QLineEdit(self)
        self.number_edit.setObjectName("CallNumber")
        self.number_edit.setPlaceholderText(self.tr("号码或账号（{key}）").format(key=KEYS["number"]))
        self.number_edit.setMinimumWidth(150)
        self.number_edit.setMaximumWidth(220)
        self.number_edit.returnPressed.connect(self._on_dial_clicked)
        self.dial_button = QPushButton(self.tr("呼叫"), self)
        self.dial_button.clicked.connect(self._on_dial_clicked)
        self.targets_button = QToolButton(self)
        self.targets_button.setText(self.tr("呼叫对象"))
        self.targets_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.targets_menu = QMenu(self.targets_button)
        self.targets_menu.aboutToShow.connect(self._fill_targets_menu)
        self.targets_button.setMenu(self.targets_menu)
        self.answer_button = QPushButton(self.tr("接听（{key}）").format(key=KEYS["answer"]), self)
        self.hold_button = QPushButton(self.tr("保持（{key}）").format(key=KEYS["hold"]), self)
        self.transfer_button = QPushButton(self.tr("转接（{key}）").format(key=KEYS["transfer"]), self)
        self.transfer_button.setToolTip(self.tr("转接到号码框中的号码"))
        self.hangup_button = QPushButton(self.tr("挂断（{key}）").format(key=KEYS["hangup"]), self)
        self.hangup_button.setObjectName("CallHangup")
        self.answer_button.clicked.connect(self.answer)
        self.hold_button.clicked.connect(self.toggle_hold)
        self.transfer_button.clicked.connect(self.transfer)
        self.hangup_button.clicked.connect(self.hangup)

        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 2, 6, 2)
        for w in (self.registration_label, self.audio_label, self.state_label):
            row.addWidget(w)
        row.addStretch(1)
        for w in (self.number_edit, self.dial_button, self.targets_button, self.answer_button, self.hold_button,
                  self.transfer_button, self.hangup_button):
            row.addWidget(w)

        self.shortcuts: dict[str, QShortcut] = {}
        for name, slot in (("answer", self.answer), ("hangup", self.hangup), ("hold", self.toggle_hold),
                           ("transfer", self.transfer), ("number", self._focus_number)):
            sc = QShortcut(QKeySequence(KEYS[name]), self)
            sc.setContext(Qt.ShortcutContext.WindowShortcut)
            sc.activated.connect(slot)
            self.shortcuts[name] = sc

        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._render_call)
        self._signals.registration_changed.connect(self._on_registration_changed)
        self._signals.call_changed.connect(self._on_call_changed)
        self._signals.record_written.connect(self._on_record_written)
        self._on_registration_changed(calls.registration)
        self._render_call()

    # ------------------------------------------------------------------ public

    def start(self) -> None:
        """Register the seat (in the background; the bar shows how it goes)."""
        if self.calls.configured and self.calls.registration.state == "unconfigured":
            self._run(self.calls.start())

    def set_current_alert(self, alert_id: str | None) -> None:
        """The alert selected in the queue (its reporter is offered in 呼叫对象)."""
        self._alert_id = alert_id or None

    def call_uri(self, uri: str, display_name: str = "", link: str = "") -> None:
        """Click-to-call from another panel (the duty roster's ``call_requested``)."""
        self._run(self.calls.dial(uri, display_name, link))

    def call_resource(self, resource_id: str, link: str = "") -> None:
        self._run(call_resource(self._core, self.calls, resource_id, link))

    def call_task_assignee(self, task_id: str) -> None:
        self._run(call_task_assignee(self._core, self.calls, task_id))

    def call_reporter(self, alert_id: str) -> None:
        self._run(call_reporter(self._core, self.calls, alert_id))

    def answer(self) -> None:
        self._run(self.calls.answer())

    def hangup(self) -> None:
        self._run(self.calls.hangup())

    def toggle_hold(self) -> None:
        self._run(self.calls.toggle_hold())

    def transfer(self) -> None:
        target = self.number_edit.text().strip()
        if not target:
            self._show_error(self.tr("请先在号码框输入转接目标"))
            self._focus_number()
            return
        self._run(self.calls.transfer(target))

    def shutdown(self) -> None:
        """End the call and the user agent (the window is closing)."""
        if self._closed:
            return
        self._closed = True
        self._tick.stop()
        self._signals.close()
        for task in list(self._tasks):
            task.cancel()
        self.calls.close_now()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        self.shutdown()
        super().closeEvent(event)

    # ------------------------------------------------------------------ internals

    def _focus_number(self) -> None:
        self.number_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.number_edit.selectAll()

    def _on_dial_clicked(self) -> None:
        number = self.number_edit.text().strip()
        if number:
            self._run(self.calls.dial(number))

    def _run(self, coro: Coroutine[Any, Any, Any]) -> None:
        if self._closed:
            coro.close()
            return
        task = asyncio.get_event_loop().create_task(self._guarded(coro))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _guarded(self, coro: Coroutine[Any, Any, Any]) -> None:
        try:
            await coro
        except (CallError, PermissionError, ConnectionError) as exc:
            self._show_error(render(exc.args[0] if exc.args else str(exc), QCoreApplication.translate))
        except KeyError:
            self._show_error(self.tr("对象不存在，无法呼叫"))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - the operator sees a sentence, the log the trace
            log.exception("call command failed")
            self._show_error(self.tr("通话操作失败：{error}").format(error=type(exc).__name__))

    def _show_error(self, text: str) -> None:
        if self._closed:
            return
        self.state_label.setText(text)
        self.state_label.setProperty("error", True)
        self.message.emit(text, True)

    def _fill_targets_menu(self) -> None:
        menu = self.targets_menu
        menu.clear()
        teams = menu.addMenu(self.tr("救援力量与资源"))
        layer = (getattr(self._core, "layers", {}) or {}).get("resources") or {}
        for f in (layer.get("features") or [])[:60]:
            props = f.get("properties") or {}
            rid = str(f.get("id") or props.get("id") or "")
            name = str(props.get("name_zh") or props.get("name") or rid)
            teams.addAction(name, lambda rid=rid: self.call_resource(rid))
        teams.setEnabled(not teams.isEmpty())
        tasks = menu.addMenu(self.tr("任务承办单位"))
        units = self._core.picture.units
        for task in list(self._core.picture.tasks.values())[:60]:
            if task.status in ("done", "refused"):
                continue
            unit = units.get(task.unit)
            label = f"{unit.name if unit else task.unit} · {task.instruction[:20]}"
            tasks.addAction(label, lambda tid=task.id: self.call_task_assignee(tid))
        tasks.setEnabled(not tasks.isEmpty())
        reporter = menu.addAction(self.tr("当前告警的报警人（需查看号码权限，记入审计）"))
        alert = self._core.picture.alerts.get(self._alert_id) if self._alert_id else None
        reporter.setEnabled(bool(alert is not None and alert.reporter_phone))
        reporter.triggered.connect(lambda: self._alert_id and self.call_reporter(self._alert_id))

    def _on_registration_changed(self, reg: Registration) -> None:
        if self._closed:
            return
        self.registration_label.setText(render(reg.detail, QCoreApplication.translate))
        self.registration_label.setProperty("state", reg.state)
        self.registration_label.style().polish(self.registration_label)
        self.audio_label.setVisible(reg.state == "registered" and not reg.has_audio)
        self._render_call()

    def _on_call_changed(self, _call: Call) -> None:
        if self._closed:
            return
        self.state_label.setProperty("error", False)
        self._render_call()

    def _on_record_written(self, record: CallRecord) -> None:
        if record.outcome in ("failed", "busy", "no_answer", "missed"):
            self.message.emit(self.tr("通话 {peer}：{outcome}").format(
                peer=record.callee if record.direction == "outgoing" else record.caller,
                outcome=_outcome_text(record.outcome)), record.outcome == "failed")

    def _render_call(self) -> None:
        call = self.calls.call
        registered = self.calls.registration.state == "registered"
        state = call.state if call is not None else "idle"
        live = state in ("dialing", "ringing", "incoming", "active", "held")
        name = call.peer_name if call is not None else ""
        text = {
            "idle": self.tr("空闲"),
            "dialing": self.tr("正在呼叫 {name}…"),
            "ringing": self.tr("{name} 振铃中…"),
            "incoming": self.tr("来电：{name}"),
            "active": self.tr("通话中：{name}  {time}"),
            "held": self.tr("保持中：{name}  {time}"),
            "ended": self.tr("通话结束：{name}（{outcome}）"),
        }[state]
        if not self.state_label.property("error") or live:
            self.state_label.setText(text.format(
                name=name, time=_duration(call.duration_s) if call is not None else "",
                outcome=_outcome_text(call.outcome) if call is not None else ""))
            self.state_label.setProperty("error", False)
        self.setProperty("ringing", state == "incoming")
        self.style().polish(self)
        self.state_label.style().polish(self.state_label)
        self.answer_button.setEnabled(state == "incoming")
        self.hold_button.setEnabled(state in ("active", "held"))
        self.hold_button.setText((self.tr("恢复（{key}）") if state == "held" else self.tr("保持（{key}）"))
                                 .format(key=KEYS["hold"]))
        self.transfer_button.setEnabled(state in ("active", "held"))
        self.hangup_button.setEnabled(live)
        self.dial_button.setEnabled(registered and not live)
        self.targets_button.setEnabled(registered and not live)
        if state in ("active", "held"):
            if not self._tick.isActive():
                self._tick.start()
        else:
            self._tick.stop()


def add_call_dock(window: QMainWindow, core: Any) -> CallBar:
    """The call bar as a bar across the bottom of ``window`` (above the status bar),
    started, following the alert queue's selection."""
    bar = CallBar(core, seat_calls(core), window)
    strip = QToolBar(QCoreApplication.translate("CallBar", "融合通信"), window)
    strip.setObjectName("CallToolBar")
    strip.setMovable(False)
    strip.addWidget(bar)
    window.addToolBar(Qt.ToolBarArea.BottomToolBarArea, strip)
    queue = getattr(window, "alert_queue", None)
    if queue is not None:
        queue.alert_selected.connect(bar.set_current_alert)

    def to_status_bar(text: str, error: bool) -> None:
        status = getattr(window, "status", None)
        if status is not None:
            status.show_message(text, error)

    bar.message.connect(to_status_bar)
    closed = getattr(window, "closed", None)
    if closed is not None:
        closed.connect(bar.shutdown)
    QTimer.singleShot(0, bar.start)
    return bar
