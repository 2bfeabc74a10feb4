"""帮助 → 快捷键: every key the window really has, grouped by panel, in one table.

The rows are read from the window each time the box opens: every ``QAction`` with a
shortcut (its text, grouped by the menu that shows it) and every ``QShortcut`` (grouped
by the panel it lives in, described by :meth:`ShortcutHelp.describe`). Keys a panel
handles itself (PTZ arrows on a tile, the drill bar's Space) have no binding object to
read; they are added from a short documented list, unless the window already binds them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

WINDOW_WIDE = (Qt.ShortcutContext.WindowShortcut, Qt.ShortcutContext.ApplicationShortcut)

PANEL_CLASSES = ("MapPanel", "VideoWall", "CameraDirectory", "AlertQueuePanel", "CommandPanel",
                 "IndicatorPanel", "DrillBar", "CallBar")
"""Widgets whose shortcuts form one group each (the nearest such ancestor owns a shortcut)."""

WINDOW_SHORTCUT_OWNERS = {"F8": "DrillBar", "F9": "DrillBar"}
"""Window-wide QShortcuts that a panel installs on the window (the drill bar's F8/F9)."""

LAYOUT_KEYS = ("1", "4", "9", "16", "25", "36", "64", "1+5", "1+7")
"""The video wall's layouts in the order Alt+1 … Alt+9 pick them (widgets/video_wall/menus.py)."""


@dataclass
class ShortcutRow:
    """One line of the table: a group (panel or menu), its keys (portable text), what it does."""

    group: str
    keys: list[str] = field(default_factory=list)
    text: str = ""
    window_wide: bool = False


def _menu_title(text: str) -> str:
    return re.sub(r"\(&.\)|&", "", text).strip()


def _action_text(text: str) -> str:
    return text.split("\t", 1)[0].replace("&", "").strip()


def _owner_class(obj: Any) -> str:
    node = obj.parent()
    while node is not None:
        name = type(node).__name__
        if name in PANEL_CLASSES:
            return name
        node = node.parent()
    return "MainWindow"


class ShortcutHelp(QDialog):
    """The 快捷键 box: non-modal, a three-column table (面板, 快捷键, 功能)."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("ShortcutHelp")
        self.setWindowTitle(self.tr("快捷键"))
        self.setModal(False)
        self._window = window
        self.table = QTableWidget(0, 3, self)
        self.table.setHorizontalHeaderLabels([self.tr("面板"), self.tr("快捷键"), self.tr("功能")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        note = QLabel(self.tr("面板快捷键在该面板获得焦点时生效；Ctrl+1…5 切换面板焦点。"), self)
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.resize(720, 640)
        self.rows: list[ShortcutRow] = []
        self.refresh()

    # ------------------------------------------------------------------ rows

    def group_title(self, owner: str) -> str:
        """The group a panel's shortcuts are listed under."""
        titles = {
            "MapPanel": self.tr("地图"),
            "VideoWall": self.tr("视频墙"),
            "CameraDirectory": self.tr("摄像机目录"),
            "AlertQueuePanel": self.tr("告警队列"),
            "CommandPanel": self.tr("战时指挥"),
            "IndicatorPanel": self.tr("指标"),
            "DrillBar": self.tr("演练"),
            "CallBar": self.tr("融合通信"),
            "MainWindow": self.tr("主窗口"),
        }
        return titles.get(owner, owner)

    def describe(self, owner: str, key: str) -> str:
        """What a panel's ``QShortcut`` on ``key`` does ('' when not described)."""
        if owner == "VideoWall" and key.startswith("Alt+") and key[4:].isdigit():
            n = int(key[4:])
            if 1 <= n <= len(LAYOUT_KEYS):
                name = LAYOUT_KEYS[n - 1]
                if name.isdigit():
                    return self.tr("画面布局：{n} 画面").format(n=name)
                return self.tr("画面布局：1 大 {n} 小").format(n=name.split("+", 1)[1])
        table: dict[tuple[str, str], str] = {
            ("MapPanel", "Ctrl+Shift+B"): self.tr("图层目录"),
            ("MapPanel", "Ctrl+Shift+M"): self.tr("测距"),
            ("MapPanel", "Ctrl+Shift+R"): self.tr("周边：所选告警（未选时为区中心）的 500 米 / 1 公里 / 3 公里范围圈"),
            ("MapPanel", "Ctrl+Shift+O"): self.tr("准备离线区域…"),
            ("MapPanel", "Ctrl+Shift+I"): self.tr("显示/隐藏物联设备"),
            ("MapPanel", "Ctrl+Shift+G"): self.tr("定位到街道或社区…"),
            ("MapPanel", "Home"): self.tr("全区"),
            ("MapPanel", "Esc"): self.tr("清除测距、周边等地图工具"),
            ("VideoWall", "Return"): self.tr("放大/还原所选画面"),
            ("VideoWall", "Esc"): self.tr("还原画面"),
            ("VideoWall", "Ctrl+Shift+S"): self.tr("所选画面截图"),
            ("VideoWall", "T"): self.tr("轮巡：暂停/继续"),
            ("VideoWall", "N"): self.tr("轮巡：下一组"),
            ("VideoWall", "Del"): self.tr("清空所选画面"),
            ("CameraDirectory", "Ctrl+F"): self.tr("搜索摄像机（名称、编码）"),
            ("CameraDirectory", "Ctrl+D"): self.tr("收藏/取消收藏摄像机"),
            ("AlertQueuePanel", "Space"): self.tr("签收所选告警（在告警表格中）"),
            ("AlertQueuePanel", "Ctrl+Return"): self.tr("签收所选告警"),
            ("AlertQueuePanel", "Ctrl+Shift+Return"): self.tr("整组签收"),
            ("AlertQueuePanel", "Ctrl+D"): self.tr("分拨"),
            ("AlertQueuePanel", "Ctrl+G"): self.tr("开始处置"),
            ("AlertQueuePanel", "Ctrl+J"): self.tr("办结"),
            ("AlertQueuePanel", "Ctrl+L"): self.tr("闭环"),
            ("AlertQueuePanel", "Ctrl+U"): self.tr("升级"),
            ("AlertQueuePanel", "Ctrl+B"): self.tr("督办"),
            ("AlertQueuePanel", "Ctrl+M"): self.tr("合并"),
            ("AlertQueuePanel", "Ctrl+R"): self.tr("重新打开"),
            ("AlertQueuePanel", "Ctrl+N"): self.tr("备注"),
            ("AlertQueuePanel", "Ctrl+F"): self.tr("搜索告警（标题、描述、地点、单位、备注）"),
            ("AlertQueuePanel", "Ctrl+E"): self.tr("展开/折叠告警风暴"),
            ("AlertQueuePanel", "Ctrl+Shift+F"): self.tr("查看搜索在归档中找到的已闭环告警"),
            ("DrillBar", "F8"): self.tr("演练：暂停/继续（任何位置）"),
            ("DrillBar", "F9"): self.tr("演练：下一条注入（任何位置）"),
            ("CallBar", "F3"): self.tr("接听来电"),
            ("CallBar", "F4"): self.tr("挂断（呼出时取消，来电时拒接）"),
            ("CallBar", "F6"): self.tr("通话保持/恢复"),
            ("CallBar", "F7"): self.tr("转接到号码框中的号码"),
            ("CallBar", "Ctrl+Shift+K"): self.tr("到号码框（输入号码后回车呼叫）"),
        }
        # Keys that are the same key under two names (the keypad's Enter, Find) share a row.
        aliases = {"Ctrl+Enter": "Ctrl+Return", "Ctrl+Shift+Enter": "Ctrl+Shift+Return", "Find": "Ctrl+F"}
        return table.get((owner, key)) or table.get((owner, aliases.get(key, key)), "")

    def documented_rows(self) -> list[tuple[str, list[str], str]]:
        """Keys handled by a panel's own key handling (no binding object): (owner, keys, text)."""
        return [
            ("VideoWall", ["Left", "Right", "Up", "Down"], self.tr("云台转动（所选画面为云台摄像机时）")),
            ("VideoWall", ["+", "-", "PgUp", "PgDown"], self.tr("云台变焦：拉近 / 拉远")),
            ("CameraDirectory", ["Return"], self.tr("所选摄像机上墙")),
            ("CommandPanel", ["Ctrl+Tab", "Ctrl+Shift+Tab"], self.tr("切换 预案 / 任务 / 三级联动 / 资源 / 指挥日志")),
            ("CommandPanel", ["Tab", "Shift+Tab"], self.tr("在表格、按钮和表单之间移动（表格内用上下键选行）")),
            ("DrillBar", ["Space"], self.tr("演练：暂停/继续（无控件接收该键时）")),
            ("DrillBar", ["N"], self.tr("演练：跳到下一条注入")),
            ("DrillBar", ["+", "-"], self.tr("演练：加快 / 放慢")),
            ("DrillBar", ["F8"], self.tr("演练：暂停/继续（任何位置）")),
            ("DrillBar", ["F9"], self.tr("演练：下一条注入（任何位置）")),
        ]

    def collect(self) -> list[ShortcutRow]:
        """Every binding of the window, then the documented panel keys it does not bind."""
        rows: dict[tuple[str, str], ShortcutRow] = {}
        order: list[tuple[str, str]] = []

        def add(group: str, key: str, text: str, wide: bool) -> None:
            ident = (group, text)
            row = rows.get(ident)
            if row is None:
                row = rows[ident] = ShortcutRow(group, [], text, wide)
                order.append(ident)
            if key not in row.keys:
                row.keys.append(key)

        window = self._window
        for action in window.findChildren(QAction):
            keys = [seq.toString() for seq in action.shortcuts() if seq.toString()]
            if not keys:
                continue
            menus = [o for o in action.associatedObjects() if isinstance(o, QMenu)]
            group = _menu_title(menus[0].title()) if menus else self.group_title(_owner_class(action))
            wide = action.shortcutContext() in WINDOW_WIDE
            for key in keys:
                add(group, key, _action_text(action.text()) or key, wide)
        for shortcut in window.findChildren(QShortcut):
            wide = shortcut.context() in WINDOW_WIDE
            for seq in shortcut.keys():
                key = seq.toString()
                if not key:
                    continue
                owner = _owner_class(shortcut)
                if owner == "MainWindow":
                    owner = WINDOW_SHORTCUT_OWNERS.get(key, owner)
                text = shortcut.whatsThis() or self.describe(owner, key) or self.tr("（未说明）")
                add(self.group_title(owner), key, text, wide)
        bound = {(row.group, key) for row in rows.values() for key in row.keys}
        wide_keys = {key for row in rows.values() if row.window_wide for key in row.keys}
        for owner, keys, text in self.documented_rows():
            group = self.group_title(owner)
            if all((group, k) in bound or k in wide_keys for k in keys):
                continue
            for key in keys:
                add(group, key, text, False)

        # Menus (window-wide) first, in menu order; then the panels; each group together.
        groups: dict[str, int] = {}
        for ident in sorted(order, key=lambda i: 0 if rows[i].window_wide else 1):
            groups.setdefault(ident[0], len(groups))
        return [rows[ident] for ident in sorted(order, key=lambda i: groups[i[0]])]

    def refresh(self) -> None:
        """Read the window's bindings again and fill the table."""
        self.rows = self.collect()
        self.table.setRowCount(len(self.rows))
        previous = None
        for r, row in enumerate(self.rows):
            shown = " / ".join(QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText) or k
                               for k in row.keys)
            group = QTableWidgetItem(row.group if row.group != previous else "")
            group.setToolTip(row.group)
            self.table.setItem(r, 0, group)
            self.table.setItem(r, 1, QTableWidgetItem(shown))
            self.table.setItem(r, 2, QTableWidgetItem(row.text))
            previous = row.group

    def listed_keys(self) -> set[tuple[str, str]]:
        """(group, portable key) of every row, for tests."""
        return {(row.group, key) for row in self.rows for key in row.keys}
