"""Wartime command (战时指挥) views: the mode that switches the main window, and its panels.

- ``mode.py`` — ``WartimeMode`` and ``attach(window, core, notifier)``, the main
  window's one hook; ``WartimeWindow``, the typed surface it needs of the window;
- ``banner.py`` — the red ``WarBanner`` and the ``SwitchConfirmBar``;
- ``declare.py`` — ``DeclareDialog`` (宣布启动应急响应) and the quick ``NoteDialog``;
- ``command_panel.py`` — ``CommandPanel``: plan checklist, orders, linkage tree,
  resources and the command log of the focused incident;
- ``metrics.py`` — ``IncidentMetricsPanel``, which replaces the indicators;
- ``cells.py`` — the table helpers and colours the panels share.

Every action goes through the core's ``console.wartime.Wartime``.
"""

from widgets.wartime.banner import SwitchConfirmBar, WarBanner, elapsed_text
from widgets.wartime.command_panel import CommandPanel
from widgets.wartime.declare import DeclareDialog, NoteDialog
from widgets.wartime.metrics import IncidentMetricsPanel
from widgets.wartime.mode import WartimeMode, WartimeWindow, attach

__all__ = [
    "CommandPanel", "DeclareDialog", "IncidentMetricsPanel", "NoteDialog", "SwitchConfirmBar", "WarBanner",
    "WartimeMode", "WartimeWindow", "attach", "elapsed_text",
]
