"""Keyboard habits shared by the panels: tables that behave under Up/Down and Tab.

A whole shift is worked by keyboard (issue 21). Two Qt defaults get in the way:

- A table that receives focus by Tab or a shortcut makes its first row *current*
  without selecting it (and the dark theme used to show no cue), so the first Down
  moved to row 2. :class:`FirstKeySelectsCurrentRow` makes the first Up/Down on a
  table with nothing selected select the current row (row 1 on a fresh focus).
- ``QTableView`` moves between cells on Tab, so Tab never leaves a table and the
  buttons under it cannot be reached; :func:`keyboard_ready` turns that off.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QWidget

_PREPARED = "_pingshan_keyboard_ready"


class FirstKeySelectsCurrentRow(QObject):
    """Event filter on one item view: Up/Down with nothing selected selects the current
    row (or the first) instead of moving past it."""

    def __init__(self, view: QAbstractItemView) -> None:
        super().__init__(view)
        self._view = view

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is not self._view or event.type() != QEvent.Type.KeyPress:
            return False
        assert isinstance(event, QKeyEvent)
        if event.key() not in (Qt.Key.Key_Down, Qt.Key.Key_Up) or event.modifiers() != Qt.KeyboardModifier.NoModifier:
            return False
        view, model, selection = self._view, self._view.model(), self._view.selectionModel()
        if model is None or selection is None or selection.hasSelection():
            return False
        if view.selectionMode() == QAbstractItemView.SelectionMode.NoSelection:
            return False
        if model.rowCount(view.rootIndex()) == 0:
            return False
        current = view.currentIndex()
        if not current.isValid():
            current = model.index(0, 0, view.rootIndex())
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
        if view.selectionBehavior() == QAbstractItemView.SelectionBehavior.SelectRows:
            flags |= QItemSelectionModel.SelectionFlag.Rows
        selection.setCurrentIndex(current, flags)
        view.scrollTo(current)
        return True


def prepare_view(view: QAbstractItemView) -> None:
    """Give one table or tree the console's keyboard habits (idempotent)."""
    if view.property(_PREPARED):
        return
    view.setProperty(_PREPARED, True)
    view.setTabKeyNavigation(False)  # Tab leaves the table for the buttons under it
    view.installEventFilter(FirstKeySelectsCurrentRow(view))


def keyboard_ready(root: QWidget) -> None:
    """:func:`prepare_view` for every table, tree and list under ``root`` (not the
    drop-down lists inside combo boxes)."""
    for view in root.findChildren(QAbstractItemView):
        parent = view.parentWidget()
        inside_combo = False
        while parent is not None and parent is not root:
            if isinstance(parent, QComboBox):
                inside_combo = True
                break
            parent = parent.parentWidget()
        if not inside_combo:
            prepare_view(view)
