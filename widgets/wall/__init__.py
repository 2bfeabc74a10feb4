"""Wall mode: the panels on the room's screens, one full-screen window per screen.

Modules:

- ``controller`` — :class:`WallController`: builds the panels the wall config names,
  places them on their screens (:class:`~widgets.wall.controller.WallWindow`), follows
  screens unplugged and plugged back, and the operator's Ctrl+Alt keys;
- ``settings`` — :class:`WallSettingsDialog` (大屏设置): the wall config edited in a dialog.
"""

from widgets.wall.controller import WallController
from widgets.wall.settings import WallSettingsDialog

__all__ = ["WallController", "WallSettingsDialog"]
