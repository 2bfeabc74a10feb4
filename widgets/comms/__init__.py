"""Calling (融合通信): the call bar docked in the main window (:class:`CallBar`)."""

from widgets.comms.call_bar import CallBar, add_call_dock

__all__ = ["CallBar", "add_call_dock"]
