"""Where the data comes from, unmistakably (issue 19).

- ``demo`` (the embedded demo feed runs): a 演示数据 banner across the top of the main
  window, the 演示数据 watermark on every window and panel (the drill's watermark with
  another word: screenshots and panel exports carry it), 【演示数据】 in the title, and
  the status bar's own state (``widgets.shell.status_bar``), never the green 在线;
- ``unconfigured`` (a production install whose profile has no gateway): a 未配置网关
  banner that offers 网关设置…, and the settings dialog opens by itself once; nothing is
  simulated.

The settings dialog writes the seat's own profile through
:func:`console.profiles.save_gateway` (the view never touches the disk); the gateway is
used from the next start.
"""

from __future__ import annotations

import argparse
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QMainWindow, QPushButton,
                               QToolBar, QVBoxLayout, QWidget)

from console.profiles import BUILTIN_FALLBACK, Profile, ProfileError, save_gateway
from console.version import demo_video_available



BANNER_STYLE = {
    "demo": "QToolBar#DataModeBanner { background: #bf360c; border: none; } "
            "QToolBar#DataModeBanner QLabel { color: white; font-weight: bold; padding: 4px 10px; }",
    "unconfigured": "QToolBar#DataModeBanner { background: #b71c1c; border: none; } "
                    "QToolBar#DataModeBanner QLabel { color: white; font-weight: bold; padding: 4px 10px; }",
}


class GatewaySettingsDialog(QDialog):
    """网关设置: the gateway URL(s) and the CA file of this seat's profile."""

    def __init__(self, profile: Profile, cache_dir: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("GatewaySettings")
        self.setWindowTitle(QCoreApplication.translate("DataModeBanner", "网关设置"))
        self.profile = profile
        self.cache_dir = cache_dir
        self.saved_path: Any = None
        layout = QVBoxLayout(self)
        intro = QLabel(QCoreApplication.translate("DataModeBanner", "本值班台（{title}）尚未设置网关。请填写区级或街道分中心网关的地址，"
                           "多个副本用逗号分隔，首选在前。保存后重启值班台生效。").format(title=profile.title), self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.urls = QLineEdit(", ".join(profile.gateways), self)
        self.urls.setPlaceholderText("https://gateway-1.pingshan.example:8443")
        form.addRow(QCoreApplication.translate("DataModeBanner", "网关地址"), self.urls)
        self.ca = QLineEdit(str(profile.ca_file or ""), self)
        self.ca.setPlaceholderText(QCoreApplication.translate("DataModeBanner", "可选：签发网关证书的 CA（PEM 文件路径）"))
        form.addRow(QCoreApplication.translate("DataModeBanner", "CA 证书"), self.ca)
        layout.addLayout(form)
        self.error = QLabel("", self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #ef5350")
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def save(self) -> None:
        urls = [u for u in self.urls.text().replace("，", ",").split(",") if u.strip()]
        try:
            self.saved_path = save_gateway(self.cache_dir, self.profile, urls, self.ca.text())
        except (ProfileError, OSError) as exc:
            self.error.setText(QCoreApplication.translate("DataModeBanner", "未保存：{reason}").format(reason=exc))
            return
        self.accept()


class DataModeBanner(QToolBar):
    """The banner across the top: what the data is, and for a missing gateway the settings."""

    def __init__(self, mode: str, window: QMainWindow, profile: Profile, cache_dir: Any) -> None:
        super().__init__(window)
        self.setObjectName("DataModeBanner")
        self.mode = mode
        self.profile = profile
        self.cache_dir = cache_dir
        self.dialog: GatewaySettingsDialog | None = None
        self.setMovable(False)
        self.setFloatable(False)
        self.toggleViewAction().setEnabled(False)  # cannot be hidden from the context menu
        self.setStyleSheet(BANNER_STYLE[mode])
        if mode == "demo":
            text = QCoreApplication.translate("DataModeBanner", "演示数据 — 值班台正在使用内置演示数据源：告警、视频和指标都是模拟的，不是实况。")
            if not demo_video_available():
                text += QCoreApplication.translate("DataModeBanner", "本安装包不含演示视频，视频墙画面显示“信号中断”。")
        else:
            text = QCoreApplication.translate("DataModeBanner", "未配置网关 — 本安装（生产）没有设置网关：只显示本地缓存，不使用任何模拟数据。")
        self.label = QLabel(text, self)
        self.addWidget(self.label)
        self.settings_button = QPushButton(QCoreApplication.translate("DataModeBanner", "网关设置…"), self)
        self.settings_button.setObjectName("GatewaySettingsButton")
        self.settings_button.clicked.connect(self.open_settings)
        self.addWidget(self.settings_button)
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, self)
        if window.isVisible():
            self.show()  # added to a window already on screen

    def open_settings(self, _checked: bool = False) -> GatewaySettingsDialog:
        if self.dialog is None:
            self.dialog = GatewaySettingsDialog(self.profile, self.cache_dir, self.window())
            self.dialog.finished.connect(self._on_finished)
        self.dialog.open()  # never exec(): the asyncio loop runs on this thread
        return self.dialog

    def _on_finished(self, result: int) -> None:
        dialog = self.dialog
        if dialog is not None and result == QDialog.DialogCode.Accepted and dialog.saved_path is not None:
            self.label.setText(QCoreApplication.translate("DataModeBanner", "网关已保存到 {path}：请重启值班台以连接网关。").format(path=dialog.saved_path))
        self.dialog = None


class DataModeUi:
    """What :func:`attach_data_mode_ui` put on the window."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.banner: DataModeBanner | None = None
        self.watermarks: Any = None

    def close(self) -> None:
        if self.watermarks is not None:
            self.watermarks.stop()


def attach_data_mode_ui(window: QMainWindow, mode: str, args: argparse.Namespace | None = None,
                        ask: bool = False) -> DataModeUi:
    """Banner, watermark and title for ``demo``; banner and (``ask``) the settings for
    ``unconfigured``; nothing for ``live``."""
    ui = DataModeUi(mode)
    if mode not in BANNER_STYLE:
        return ui
    profile = getattr(args, "profile_obj", None) or BUILTIN_FALLBACK
    ui.banner = DataModeBanner(mode, window, profile, getattr(args, "cache", None))
    if mode == "demo":
        from widgets.watermark import DrillWatermarks

        word = QCoreApplication.translate("DataModeBanner", "演示数据")
        ui.watermarks = DrillWatermarks(text=word)
        ui.watermarks.mark(window)
        window.setWindowTitle(QCoreApplication.translate("DataModeBanner", "【演示数据】") + window.windowTitle())
    elif ask:
        ui.banner.open_settings()
    return ui
