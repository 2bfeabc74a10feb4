"""值班值守 views: the 值班 panel (today's roster, handover, 查岗, calling) and its dialogs.

- ``panel.py`` — ``DutyPanel``, with the ``call_requested(sip_uri, display_name, link)``
  signal the 融合通信 service connects to;
- ``dialogs.py`` — ``HandoverDialog``, ``AcknowledgeDialog`` (the incoming officer's own
  login), ``CheckInDialog``, ``AssignDialog`` (修改排班);
- ``dock.py`` — ``attach(window, core)``, the main window's one hook: the 值班 dock and menu.

Every action goes through the core's ``console.duty.DutyDesk``.
"""

from widgets.duty.dialogs import AcknowledgeDialog, AssignDialog, CheckInDialog, HandoverDialog
from widgets.duty.dock import DutyDock, attach
from widgets.duty.panel import DutyPanel

__all__ = ["AcknowledgeDialog", "AssignDialog", "CheckInDialog", "DutyDock", "DutyPanel", "HandoverDialog", "attach"]
