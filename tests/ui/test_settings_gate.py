"""Wall settings are the administrator's: other seats see 大屏设置… disabled (issue 10)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMainWindow

from console.runtime import ConsoleConfig, ConsoleCore
from widgets.shell.deployment import Deployment, _wall_settings_action


@pytest.mark.parametrize(("role", "enabled"), [
    ("viewer", False), ("operator", False), ("supervisor", False), ("administrator", True)])
def test_wall_settings_follow_the_seat(role: str, enabled: bool, tmp_path: Path, qtbot: Any) -> None:
    core = ConsoleCore(ConsoleConfig(backend_url=None, cache_dir=tmp_path, role=role))  # not started: the seat only
    window = QMainWindow()
    qtbot.addWidget(window)
    action = _wall_settings_action(window, Deployment(), argparse.Namespace(wall=None), core)
    assert action.isEnabled() is enabled
