"""Wall mode: the panels on the room's screens, one full-screen window per screen.

Modules:

- ``controller`` — :class:`WallController`: builds the panels the wall config names,
  places them on their screens, follows screens unplugged and plugged back, and
  takes the operator's Ctrl+Alt keys;
- ``window`` — :class:`~widgets.wall.window.WallWindow` (one screen: frameless, full
  screen, never focused) and the captioned :class:`~widgets.wall.window.PanelFrame`;
- ``tour`` — :class:`~widgets.wall.tour.CameraTour`: fixed cameras, then 轮巡;
- ``settings`` — :class:`WallSettingsDialog` (大屏设置): the wall config edited in a dialog.
"""

from widgets.wall.controller import WallController
from widgets.wall.settings import WallSettingsDialog

__all__ = ["WallController", "WallSettingsDialog"]
