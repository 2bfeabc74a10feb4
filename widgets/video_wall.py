"""Video wall panel: live camera tiles in layouts of 1 to 64 tiles (2×2 by default).

Each tile decodes one camera stream with QtMultimedia (its FFmpeg backend decodes in
its own threads) into a :class:`QVideoSink`, and paints the latest frame itself so
that the overlays (camera name, clock, live/stalled badge, frame rate) sit on top of
the picture.  Tiles play the cameras' *sub* streams; a double-click enlarges a tile
and switches it to the *main* stream, a second double-click goes back.

A watchdog per tile turns "no frame for 5 s" into 信号中断 — the last picture is
dropped rather than left frozen — and reconnects with exponential backoff.  Hidden
tiles (beyond the layout, a hidden dock, a minimised window) stop decoding.

The wall's state (layout, which camera on which tile, tours, alarm linkage) lives in
:mod:`console.video_wall_model`; this module only draws it and turns operator
gestures (drag and drop, double-click, keys) into calls on that model or on core
services (PTZ commands, snapshots).

On the 64-tile wall a tile (240×135 on a 1920×1080 screen) shows no more than the
third, ``low`` stream (320×180, 12.5 fps); the wall plays ``low`` on every tile except
the focused one (sub-stream, full rate) and the enlarged one (main stream), which
leaves CPU for the rest of the console (see :data:`LOW_STREAM_ABOVE`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from datetime import datetime
from typing import Any, Iterable

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QByteArray,
    QCoreApplication,
    QMimeData,
    QPoint,
    QRect,
    QRectF,
    QSize,
    Qt,
    QThreadPool,
    QTimer,
    QUrl,
    Signal,
    Slot,
)
from PySide6.QtGui import QBrush, QColor, QDrag, QFont, QImage, QPainter, QPaintEvent, QPen
from PySide6.QtMultimedia import QMediaPlayer, QVideoFrame, QVideoSink
from PySide6.QtWidgets import (
    QApplication,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QMenu,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from console.camera_url import CameraUrlError, parse_camera_url, url_problem
from console.exports import ExportError
from console.ptz import PtzControl, PtzError
from console.stream_check import StreamDiagnosis, diagnose
from console.video_snapshot import CameraSnapshots
from console.video_wall_model import CAMERA_MIME, LAYOUTS, AlarmLinkage, LinkageRule, Tour, TourRunner, VideoPreferences, WallModel
from district.vocabulary import DISTRICT_TZ
from widgets.grab import widget_png
from widgets.signals import disconnect_all

log = logging.getLogger(__name__)


STALL_AFTER_S = 5.0
"""No frame for this long means the signal is lost."""

FIRST_FRAME_S = 10.0
"""A (re)connection may take this long to its first frame: FFmpeg probes the stream
first, and on a loaded 2-core machine with dozens of players that took over 5 s."""

BACKOFF_S = (1.0, 2.0, 4.0, 8.0, 15.0)
"""Reconnect delays after successive failures; the last one repeats."""

FPS_WINDOW_S = 2.0
"""Frame rate is measured over this sliding window."""

# Tile states and their badges (UI text Chinese first).
STATE_IDLE = "idle"
STATE_CONNECTING = "connecting"
STATE_LIVE = "live"
STATE_STALLED = "stalled"
STATE_OFFLINE = "offline"
STATE_PAUSED = "paused"
STATE_INVALID = "invalid"
"""The camera's URL cannot be played as given (the core says why); no reconnects."""

TILE_MIME = "application/x-pingshan-tile"
"""Drag payload: a wall slot number, to swap two tiles."""

PTZ_KEYS = {
    Qt.Key.Key_Left: "left", Qt.Key.Key_Right: "right", Qt.Key.Key_Up: "up", Qt.Key.Key_Down: "down",
    Qt.Key.Key_Plus: "zoom_in", Qt.Key.Key_Equal: "zoom_in", Qt.Key.Key_PageUp: "zoom_in",
    Qt.Key.Key_Minus: "zoom_out", Qt.Key.Key_PageDown: "zoom_out",
}

BADGES: dict[str, tuple[str, str]] = {
    STATE_IDLE: (QT_TRANSLATE_NOOP("VideoTile", "未分配"), "#546e7a"),
    STATE_CONNECTING: (QT_TRANSLATE_NOOP("VideoTile", "连接中"), "#607d8b"),
    STATE_LIVE: (QT_TRANSLATE_NOOP("VideoTile", "实时"), "#2e7d32"),
    STATE_STALLED: (QT_TRANSLATE_NOOP("VideoTile", "信号中断"), "#c62828"),
    STATE_OFFLINE: (QT_TRANSLATE_NOOP("VideoTile", "离线"), "#6d4c41"),
    STATE_PAUSED: (QT_TRANSLATE_NOOP("VideoTile", "暂停解码"), "#455a64"),
    STATE_INVALID: (QT_TRANSLATE_NOOP("VideoTile", "地址错误"), "#ad1457"),
}


def source_url(url: str) -> QUrl:
    """A camera URL as the player takes it: rtsp://, http(s):// (MPEG-TS, HTTP-FLV, HLS
    .m3u8, MJPEG), file:// or a bare local path.  Parsed by the core
    (:mod:`console.camera_url`): credentials with ``@ # : / ?`` reach FFmpeg
    percent-encoded; a URL it cannot parse raises :class:`CameraUrlError`."""
    parsed = parse_camera_url(url)
    if parsed.local_path is not None:
        return QUrl.fromLocalFile(parsed.local_path)
    return QUrl.fromEncoded(QByteArray(parsed.player_url().encode("ascii")))


def _tr(text: str) -> str:
    return QCoreApplication.translate("VideoTile", text)


class VideoTile(QWidget):
    """One wall tile: a camera stream, decoded by QtMultimedia and painted with overlays.

    ``activated`` is emitted on double-click (the wall enlarges or restores the tile);
    ``camera_dropped(slot, camera_id)`` and ``tile_dropped(from_slot, to_slot)`` on a
    drop; ``ptz_requested(action)`` on an arrow / zoom key; ``focused()`` on focus.
    """

    activated = Signal()
    state_changed = Signal(str)
    camera_dropped = Signal(int, str)
    tile_dropped = Signal(int, int)
    ptz_requested = Signal(str)
    focused = Signal()
    _diagnosed = Signal(str, object)  # url, StreamDiagnosis | None (from a worker thread)

    def __init__(self, index: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self.setObjectName(f"VideoTile{index}")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 90)
        # The tile paints every pixel itself.
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._parked = False
        self._banner: tuple[str, str] | None = None  # text, colour
        self._press_pos: QPoint | None = None
        self._drop_hover = False

        self._camera_id: str | None = None
        self._camera_name = ""
        self._urls: dict[str, str] = {}
        self._stream = "sub"
        self._state = STATE_IDLE
        self._frame: QVideoFrame | None = None
        self._frame_times: deque[float] = deque()
        self._frames_received = 0
        self._last_frame_at = 0.0
        self._connected_at = 0.0
        self._failures = 0
        self._reconnects = 0
        self._reconnect_due: float | None = None
        self._url_problem: str | None = None
        self._failure_reason = ""
        self._hold_until = 0.0  # no reconnect before this (a refused login)
        self.smooth = True
        """Smooth scaling; a large wall turns it off (measured on the feed: 16 tiles 94 % → 76 % CPU)."""

        self._sink = QVideoSink(self)
        self._sink.videoFrameChanged.connect(self._on_frame_changed)
        self._player = QMediaPlayer(self)
        # Muted wall: no audio output is attached, so audio is neither decoded nor played.
        self._player.setVideoSink(self._sink)
        self._player.mediaStatusChanged.connect(self._on_media_status_changed)
        self._player.errorOccurred.connect(self._on_player_error)
        self._diagnosed.connect(self._on_diagnosed)

        self._watchdog = QTimer(self)
        self._watchdog.setInterval(250)
        self._watchdog.timeout.connect(self._on_watchdog_tick)
        self._watchdog.start()

    # ------------------------------------------------------------------ public API

    @property
    def camera_id(self) -> str | None:
        """The camera shown, or None for an empty tile."""
        return self._camera_id

    @property
    def camera_name(self) -> str:
        return self._camera_name

    @property
    def stream(self) -> str:
        """"sub" in the grid, "low" on large walls, "main" when enlarged."""
        return self._stream

    @property
    def state(self) -> str:
        """One of idle, connecting, live, stalled, offline, paused (hidden: not decoding)."""
        return self._state

    @property
    def badge_text(self) -> str:
        """The badge drawn on the tile: 实时, 信号中断, 连接中, 离线 or 未分配."""
        return _tr(BADGES[self._state][0])

    @property
    def url_problem(self) -> str | None:
        """Why the stream's URL cannot be played (state ``invalid``), else None."""
        return self._url_problem if self._state == STATE_INVALID else None

    @property
    def failure_reason(self) -> str:
        """Why the stream did not open, as the camera told the core (empty: not known)."""
        return self._failure_reason

    @property
    def frames_received(self) -> int:
        return self._frames_received

    @property
    def reconnects(self) -> int:
        """How many times the watchdog or an error restarted the stream."""
        return self._reconnects

    @property
    def frame_size(self) -> QSize:
        """Size of the last decoded frame (empty when there is no picture)."""
        return self._frame.size() if self._frame is not None else QSize()

    @property
    def source_url(self) -> str:
        return self._player.source().toString()

    @property
    def fps(self) -> float:
        """Frames per second over the last :data:`FPS_WINDOW_S` seconds."""
        now = time.monotonic()
        self._trim_frame_times(now)
        if not self._frame_times:
            return 0.0
        # Over a young stream divide by its actual age, not by the whole window.
        span = min(FPS_WINDOW_S, now - self._connected_at) if self._connected_at else FPS_WINDOW_S
        return len(self._frame_times) / max(span, 0.25)

    def assign(self, camera: Any | None) -> None:
        """Show a camera (anything with id, name, status, streams.main/sub), or clear the tile."""
        if camera is None:
            self._camera_id = None
            self._camera_name = ""
            self._urls = {}
            self._stop()
            self._set_state(STATE_IDLE)
            return
        urls = {"main": camera.streams.main, "sub": camera.streams.sub,
                "low": getattr(camera.streams, "low", None) or camera.streams.sub}
        same = camera.id == self._camera_id and urls == self._urls
        self._camera_id = camera.id
        self._camera_name = camera.name
        self._urls = urls
        if camera.status != "online":
            self._stop()
            self._set_state(STATE_OFFLINE)
            return
        if same and self._state in (STATE_LIVE, STATE_CONNECTING, STATE_STALLED, STATE_PAUSED, STATE_INVALID):
            return
        self._forget_failures()
        self._connect()

    def set_stream(self, kind: str) -> None:
        """Switch between the "low", "sub" and "main" stream of the camera."""
        if kind not in ("sub", "main", "low"):
            raise ValueError(f"unknown stream kind: {kind!r}")
        if kind == self._stream:
            return
        self._stream = kind
        if self._camera_id is not None and self._state != STATE_OFFLINE:
            if self._urls.get(kind) == self.source_url and self._state == STATE_LIVE:
                return  # no third stream: "low" is the sub-stream already playing
            self._forget_failures()
            self._connect()

    @property
    def banner(self) -> str | None:
        """The alert banner over the tile (alarm linkage), or None."""
        return self._banner[0] if self._banner else None

    def set_banner(self, text: str | None, colour: str = "#c62828") -> None:
        """Show an alert banner over the picture until cleared with None."""
        self._banner = (text, colour) if text else None
        self.update()

    def render_png(self) -> bytes:
        """The tile as drawn (picture and overlays) as PNG bytes, for a snapshot."""
        return widget_png(self)

    def shutdown(self) -> None:
        """Stop decoding and the watchdog (the wall calls this when it closes)."""
        self._watchdog.stop()
        self._stop()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(480, 270)

    # ------------------------------------------------------------------ handlers

    @Slot(QVideoFrame)
    def _on_frame_changed(self, frame: QVideoFrame) -> None:
        if not frame.isValid():
            return
        if self._reconnect_due is not None or self._player.source().isEmpty():
            return  # a late frame queued by a stream already torn down
        now = time.monotonic()
        self._frame_times.append(now)
        self._trim_frame_times(now)
        self._frames_received += 1
        self._last_frame_at = now
        # Keep the frame, convert it only when painting: hidden or coalesced paints
        # then cost nothing.
        self._frame = frame
        if self._state != STATE_LIVE:
            self._forget_failures()
            self._set_state(STATE_LIVE)
        self.update()

    @Slot(QMediaPlayer.MediaStatus)
    def _on_media_status_changed(self, status: QMediaPlayer.MediaStatus) -> None:
        if status in (QMediaPlayer.MediaStatus.EndOfMedia, QMediaPlayer.MediaStatus.InvalidMedia):
            # A live stream never ends: the connection dropped.
            if self._attempt_in_flight():
                self._lose_signal(f"media status {status.name}")

    @Slot(QMediaPlayer.Error, str)
    def _on_player_error(self, error: QMediaPlayer.Error, message: str) -> None:
        if error != QMediaPlayer.Error.NoError and self._attempt_in_flight():
            self._lose_signal(f"{error.name}: {message}")

    @Slot()
    def _on_watchdog_tick(self) -> None:
        window = self.window()
        minimised = window is not None and window.isMinimized()
        if minimised and not self._parked:
            self._park()
        elif self._parked:
            if not minimised and self.isVisible():
                self._unpark()
            return
        now = time.monotonic()
        if self._attempt_in_flight():
            since = now - max(self._last_frame_at, self._connected_at)
            waiting_first = self._last_frame_at < self._connected_at
            if since >= (FIRST_FRAME_S if waiting_first else STALL_AFTER_S):
                self._lose_signal(f"no frame for {since:.1f} s")
        elif self._state == STATE_STALLED and self._reconnect_due is not None:
            if now >= self._reconnect_due:
                self._reconnects += 1
                self._connect(keep_state=True)
        # Live tiles repaint with every frame; the others still need a moving clock
        # and a falling frame rate.
        if self._state != STATE_LIVE:
            self.update()

    # ------------------------------------------------------------------ internals

    def _attempt_in_flight(self) -> bool:
        """A stream is (supposed to be) playing: live, first connect, or a reconnect."""
        if self._state in (STATE_LIVE, STATE_CONNECTING):
            return True
        # Stalled with no reconnect pending means a reconnect attempt is running.
        return self._state == STATE_STALLED and self._reconnect_due is None

    def _trim_frame_times(self, now: float) -> None:
        cutoff = now - FPS_WINDOW_S
        while self._frame_times and self._frame_times[0] < cutoff:
            self._frame_times.popleft()

    def _set_state(self, state: str) -> None:
        if state == self._state:
            return
        self._state = state
        self.state_changed.emit(state)
        self.update()

    def _lose_signal(self, why: str) -> None:
        """Drop the picture, show 信号中断 and schedule a reconnect with backoff."""
        log.info("camera %s (%s): signal lost: %s", self._camera_id, self._stream, why)
        now = time.monotonic()
        never_opened = self._last_frame_at < self._connected_at
        delay = max(BACKOFF_S[min(self._failures, len(BACKOFF_S) - 1)], self._hold_until - now)
        self._failures += 1
        self._stop()
        self._frame = None
        self._frame_times.clear()
        self._reconnect_due = now + delay
        self._set_state(STATE_STALLED)
        if never_opened and self._failures == 1:
            self._ask_why(self._urls.get(self._stream) or "")

    def _forget_failures(self) -> None:
        self._failures = 0
        self._failure_reason = ""
        self._hold_until = 0.0

    def _ask_why(self, url: str) -> None:
        """The player only says "Could not open": ask the camera once, on a worker thread
        (the core talks to it; this tile shows the answer)."""
        if not url:
            return

        def work() -> None:
            result = diagnose(url)
            try:
                self._diagnosed.emit(url, result)
            except RuntimeError:  # the tile was deleted meanwhile
                pass

        threading.Thread(target=work, name="stream-diagnosis", daemon=True).start()

    @Slot(str, object)
    def _on_diagnosed(self, url: str, result: StreamDiagnosis | None) -> None:
        if result is None or url != self._urls.get(self._stream) or self._state != STATE_STALLED:
            return
        log.info("camera %s (%s): %s", self._camera_id, self._stream, result.reason)
        self._failure_reason = result.reason
        if result.retry_after_s:
            self._hold_until = time.monotonic() + result.retry_after_s
            if self._reconnect_due is not None:
                self._reconnect_due = max(self._reconnect_due, self._hold_until)
        self.update()

    def _park(self) -> None:
        """Hidden or minimised: stop decoding, keep the camera."""
        if self._parked:
            return
        self._parked = True
        if self._camera_id is not None and self._state != STATE_OFFLINE:
            self._stop()
            self._frame = None
            self._frame_times.clear()
            self._set_state(STATE_PAUSED)

    def _unpark(self) -> None:
        if not self._parked:
            return
        self._parked = False
        if self._camera_id is not None and self._state == STATE_PAUSED:
            self._failures = 0
            self._connect()

    @property
    def decoding(self) -> bool:
        """The tile plays (or keeps reconnecting to) its stream: False when idle, offline or
        parked (hidden / minimised)."""
        return not self._parked and self._state in (STATE_LIVE, STATE_CONNECTING, STATE_STALLED)

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        window = self.window()
        if not (window is not None and window.isMinimized()):
            self._unpark()

    def hideEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().hideEvent(event)
        self._park()

    def _connect(self, keep_state: bool = False) -> None:
        url = self._urls.get(self._stream)
        if not url:
            return
        if not self.isVisible():
            # Not on screen: decode nothing until shown.
            self._stop()
            self._parked = True
            self._frame = None
            self._set_state(STATE_PAUSED)
            return
        self._parked = False
        self._stop()
        self._frame_times.clear()
        self._reconnect_due = None
        problem = url_problem(url)
        if problem is not None:
            # Nothing to retry: the same URL will not parse any better in 15 s.
            log.warning("camera %s (%s): URL refused: %s", self._camera_id, self._stream, problem)
            self._url_problem = problem
            self._frame = None
            self._set_state(STATE_INVALID)
            self.update()
            return
        self._url_problem = None
        self._connected_at = time.monotonic()
        try:
            qurl = source_url(url)
        except CameraUrlError:  # url_problem said it parses: cannot happen
            return
        # A recording (local file) loops; a live stream that ends has dropped.
        self._player.setLoops(QMediaPlayer.Loops.Infinite if qurl.isLocalFile() else 1)
        self._player.setSource(qurl)
        self._player.play()
        if not keep_state:
            self._frame = None
            self._set_state(STATE_CONNECTING)

    def _stop(self) -> None:
        self._reconnect_due = None
        if not self._player.source().isEmpty():
            self._player.stop()
            self._player.setSource(QUrl())

    # ------------------------------------------------------------------ painting

    def mouseDoubleClickEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        self.activated.emit()
        event.accept()

    def mousePressEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        if event.button() == Qt.MouseButton.LeftButton:
            self._press_pos = event.position().toPoint()
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self.focused.emit()  # selected even when the window is not active
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        if self._press_pos is None or self._camera_id is None:
            return
        if not event.buttons() & Qt.MouseButton.LeftButton:
            return
        if (event.position().toPoint() - self._press_pos).manhattanLength() < QApplication.startDragDistance():
            return
        self._press_pos = None
        drag = QDrag(self)
        drag.setMimeData(self.mime_data())
        drag.exec(Qt.DropAction.MoveAction)

    def mime_data(self) -> QMimeData:
        """What a drag from this tile carries: its slot, and its camera for other targets."""
        mime = QMimeData()
        mime.setData(TILE_MIME, QByteArray(str(self.index).encode("ascii")))
        if self._camera_id:
            mime.setData(CAMERA_MIME, QByteArray(self._camera_id.encode("utf-8")))
        return mime

    def dragEnterEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        mime = event.mimeData()
        if mime.hasFormat(TILE_MIME) or mime.hasFormat(CAMERA_MIME):
            self._drop_hover = True
            self.update()
            event.acceptProposedAction()

    def dragMoveEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        mime = event.mimeData()
        if mime.hasFormat(TILE_MIME) or mime.hasFormat(CAMERA_MIME):
            event.acceptProposedAction()

    def dragLeaveEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        self._drop_hover = False
        self.update()

    def dropEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        self._drop_hover = False
        self.update()
        mime = event.mimeData()
        if mime.hasFormat(TILE_MIME):
            try:
                source = int(bytes(mime.data(TILE_MIME).data()).decode("ascii"))
            except ValueError:
                return
            if source != self.index:
                self.tile_dropped.emit(source, self.index)
            event.acceptProposedAction()
        elif mime.hasFormat(CAMERA_MIME):
            camera_id = bytes(mime.data(CAMERA_MIME).data()).decode("utf-8", "replace").strip()
            if camera_id:
                self.camera_dropped.emit(self.index, camera_id)
            event.acceptProposedAction()

    def keyPressEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        action = PTZ_KEYS.get(Qt.Key(event.key()))
        if action is not None and self._camera_id is not None:
            self.ptz_requested.emit(action)
            event.accept()
            return
        super().keyPressEvent(event)

    def focusInEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().focusInEvent(event)
        self.focused.emit()
        self.update()

    def focusOutEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().focusOutEvent(event)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        rect = self.rect()
        painter.fillRect(rect, QColor("#05090e"))
        # An opaque caption strip above the picture: cameras burn their own OSD
        # into the top of the image, and the console's caption must not cover it.
        bar_h = self._caption_height()
        picture = rect.adjusted(0, bar_h, 0, 0)
        if self._state == STATE_LIVE and self._frame is not None:
            self._paint_frame(painter, picture)
        else:
            self._paint_no_picture(painter, picture)
        self._paint_overlays(painter, rect, bar_h)
        painter.end()

    def _caption_height(self) -> int:
        return max(11, min(16, self.height() // 20)) + 10

    def _paint_frame(self, painter: QPainter, rect: QRect) -> None:
        image: QImage = self._frame.toImage() if self._frame is not None else QImage()
        if image.isNull():
            return
        # Letterbox: keep the camera's aspect ratio inside the tile.
        size = image.size().scaled(rect.size(), Qt.AspectRatioMode.KeepAspectRatio)
        target = QRect(0, 0, size.width(), size.height())
        target.moveCenter(rect.center())
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.smooth)
        painter.drawImage(target, image)

    def _paint_no_picture(self, painter: QPainter, rect: QRect) -> None:
        if self._state == STATE_STALLED:
            # Hatched card, so a lost signal can never pass for a still scene.
            painter.fillRect(rect, QColor("#1a0b0d"))
            painter.fillRect(rect, QBrush(QColor(198, 40, 40, 40), Qt.BrushStyle.BDiagPattern))
            title, colour = _tr("信号中断"), QColor("#ef5350")
            due = self._reconnect_due
            if due is not None:
                wait = max(0.0, due - time.monotonic())
                detail = _tr("{wait} 秒后重连（第 {n} 次）").format(wait=f"{wait:.0f}", n=self._failures)
            else:
                detail = _tr("正在重连…")
            if self._failure_reason:
                detail = f"{self._failure_reason}\n{detail}"
        elif self._state == STATE_CONNECTING:
            title, colour, detail = _tr("连接中…"), QColor("#90a4ae"), self._stream_label()
        elif self._state == STATE_OFFLINE:
            title, colour, detail = _tr("设备离线"), QColor("#a1887f"), ""
        elif self._state == STATE_INVALID:
            title, colour, detail = _tr("地址错误，无法播放"), QColor("#f48fb1"), self._url_problem or ""
        elif self._state == STATE_PAUSED:
            title, colour, detail = _tr("暂停解码"), QColor("#78909c"), _tr("画面不可见")
        else:
            title, colour, detail = _tr("未分配摄像机"), QColor("#546e7a"), ""
        big = QFont(self.font())
        big.setPixelSize(max(14, min(32, rect.height() // 9)))
        big.setBold(True)
        painter.setFont(big)
        painter.setPen(colour)
        text_rect = QRect(rect)
        text_rect.setBottom(rect.center().y() + big.pixelSize() // 2)
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, title)
        if detail:
            small = QFont(self.font())
            small.setPixelSize(max(10, big.pixelSize() // 2))
            painter.setFont(small)
            painter.setPen(QColor("#b0bec5"))
            detail_rect = QRect(rect)
            detail_rect.setTop(rect.center().y() + big.pixelSize() // 2 + 6)
            detail_rect.adjust(8, 0, -8, 0)
            painter.drawText(detail_rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
                             | Qt.TextFlag.TextWordWrap, detail)

    def _stream_label(self) -> str:
        if self._stream == "low":
            return _tr("第三码流")
        return _tr("主码流") if self._stream == "main" else _tr("子码流")

    def _paint_overlays(self, painter: QPainter, rect: QRect, bar_h: int) -> None:
        font = QFont(self.font())
        font.setPixelSize(bar_h - 10)
        painter.setFont(font)
        # Caption strip: camera name (left), clock (right).
        painter.fillRect(QRect(0, 0, rect.width(), bar_h), QColor("#0b1926"))
        painter.fillRect(QRect(0, 0, 3, bar_h), QColor(BADGES[self._state][1]))
        painter.setPen(QColor("#e3f2fd"))
        metrics = painter.fontMetrics()
        now = datetime.now(DISTRICT_TZ)
        clock = now.strftime("%Y-%m-%d %H:%M:%S")
        if metrics.horizontalAdvance(clock) * 2.2 > rect.width():
            clock = now.strftime("%H:%M:%S")  # small tiles: the name needs the room
        clock_w = metrics.horizontalAdvance(clock)
        painter.drawText(QRect(8, 0, rect.width() - 16, bar_h),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, clock)
        name = self._camera_name or "—"
        if self._stream == "main":
            name += "  [" + _tr("主码流") + "]"
        # Elide in the middle: the spot at the end of the name tells cameras apart.
        name = metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, max(0, rect.width() - clock_w - 28))
        painter.drawText(QRect(8, 0, rect.width() - 16, bar_h),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name)
        # Bottom: badge (left), frame rate (right).
        text, colour = BADGES[self._state]
        text = _tr(text)
        badge_w = metrics.horizontalAdvance(text) + 14
        badge = QRectF(8, rect.height() - bar_h - 6, badge_w, bar_h - 2)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(colour))
        painter.drawRoundedRect(badge, 3, 3)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)
        if self._camera_id is not None:
            fps_text = f"{self.fps:4.1f} fps"
            fps_w = metrics.horizontalAdvance(fps_text) + 14
            fps_rect = QRectF(rect.width() - fps_w - 8, rect.height() - bar_h - 6, fps_w, bar_h - 2)
            painter.setBrush(QColor(0, 0, 0, 150))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.drawRoundedRect(fps_rect, 3, 3)
            painter.setPen(QColor("#b2ff59") if self._state == STATE_LIVE else QColor("#90a4ae"))
            painter.drawText(fps_rect, Qt.AlignmentFlag.AlignCenter, fps_text)
        if self._banner is not None:
            # Alarm linkage: the alert's banner under the caption until acknowledged.
            text, colour = self._banner
            band = QRect(0, bar_h, rect.width(), bar_h + 4)
            painter.fillRect(band, QColor(colour))
            painter.setPen(QColor("#ffffff"))
            bold = QFont(font)
            bold.setBold(True)
            painter.setFont(bold)
            painter.drawText(band.adjusted(8, 0, -8, 0), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             painter.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, band.width() - 16))
            painter.setFont(font)
        # Thin frame: red when the signal is lost, light blue on the focused tile.
        edge, width = QColor("#1b3a4b"), 1
        if self._state == STATE_STALLED:
            edge = QColor("#c62828")
        if self.hasFocus() or self._drop_hover:
            edge, width = QColor("#4fc3f7"), 2
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(edge, width))
        painter.drawRect(rect.adjusted(width // 2, width // 2, -1 - width // 2, -1 - width // 2))


LAYOUT_KEYS = ("1", "4", "9", "16", "25", "36", "64", "1+5", "1+7")
"""Layouts in menu order; Alt+1 … Alt+9 pick them."""

LOW_STREAM_ABOVE = 36
"""Walls with more tiles than this (the 64-tile wall) play the third (low) stream on
unfocused tiles: measured on 2 cores, 64 sub-streams ran at 25 fps only with ~130 %
CPU and 1.1 GB, 64 low streams at a steady 12.5 fps with ~90 % and 0.9 GB."""

LEVEL_NAMES: dict[str, str] = {"red": str(QT_TRANSLATE_NOOP("VideoWall", "红色预警")),
                               "orange": str(QT_TRANSLATE_NOOP("VideoWall", "橙色预警"))}
LEVEL_COLOURS = {"red": "#c62828", "orange": "#ef6c00"}


def _layout_for(columns: int, rows: int) -> str:
    n = columns * rows
    if str(n) in LAYOUTS and columns == rows:
        return str(n)
    for name in LAYOUT_KEYS:
        if LAYOUTS[name].tiles >= n and LAYOUTS[name].name.isdigit():
            return name
    return "64"


class VideoWall(QWidget):
    """The video wall: tiles in a layout from :data:`console.video_wall_model.LAYOUTS`.

    Empty tiles are filled from ``core.picture.cameras`` (online cameras, by id)
    whenever the notifier reports camera changes.  Double-clicking a tile enlarges it
    to the whole wall on the camera's main stream; double-clicking again restores
    the grid.  Cameras are dragged onto tiles from the camera directory (or from a
    tile, to swap two tiles); a new red or orange alert brings its nearest cameras
    onto the linkage tiles with a banner until it is acknowledged; tours cycle groups
    of cameras.  ``message(text, error)`` reports outcomes for the status bar.
    """

    enlarged_changed = Signal(object)  # tile index or None
    layout_changed = Signal(str)
    message = Signal(str, bool)

    def __init__(
        self,
        core: Any,
        notifier: Any,
        parent: QWidget | None = None,
        *,
        columns: int = 2,
        rows: int = 2,
        layout: str | None = None,
        linkage: LinkageRule | None = None,
        toolbar: bool = True,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("VideoWall")
        self.setWindowTitle(self.tr("视频监控"))
        self._core = core
        self._notifier = notifier
        self._enlarged: int | None = None
        self._focused_slot: int | None = None
        self.model = WallModel(layout or _layout_for(columns, rows))
        self.preferences = VideoPreferences(getattr(core, "preferences", None))
        self.linkage = AlarmLinkage(linkage or self.preferences.linkage_rule())
        self.tours = TourRunner(self.model, time.monotonic)
        self._ptz = PtzControl(getattr(core, "commands", None))

        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(self.backgroundRole(), QColor("#020508"))
        self.setPalette(palette)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self._bar = self._build_toolbar() if toolbar else None
        if self._bar is not None:
            outer.addWidget(self._bar)
        self._surface = QWidget(self)
        outer.addWidget(self._surface, 1)
        self._grid = QGridLayout(self._surface)
        self._grid.setContentsMargins(2, 2, 2, 2)
        self._grid.setSpacing(2)
        self._all_tiles: list[VideoTile] = []
        self._relayout()
        self._build_shortcuts()

        self._tour_timer = QTimer(self)
        self._tour_timer.setInterval(250)
        self._tour_timer.timeout.connect(self._on_tour_tick)
        self._tour_timer.start()

        self.model.changed.connect(self._on_model_changed)
        notifier.cameras_changed.connect(self._on_cameras_changed)
        alerts_changed = getattr(notifier, "alerts_changed", None)
        if alerts_changed is not None:
            alerts_changed.connect(self._on_alerts_changed)
        # Alerts already held are not "new" to the wall: only later ones pop up.
        alerts = getattr(getattr(core, "picture", None), "alerts", None)
        if alerts is not None:
            self.linkage.mark_seen(a.id for a in alerts.values())
        self._fill_empty_tiles()

    # ------------------------------------------------------------------ public API

    @property
    def tiles(self) -> list[VideoTile]:
        """The tiles of the current layout, in slot order."""
        return self._all_tiles[: self.model.tile_count]

    @property
    def layout_name(self) -> str:
        return self.model.layout.name

    @property
    def enlarged_index(self) -> int | None:
        """Index of the enlarged tile, or None when the grid is shown."""
        return self._enlarged

    @property
    def focused_index(self) -> int | None:
        return self._focused_slot

    def set_layout(self, name: str) -> None:
        """Switch to a layout by name ("1" … "64", "1+5", "1+7"); cameras keep their slots."""
        self.model.set_layout(name)

    def assign(self, index: int, camera_id: str | None) -> None:
        """Put a camera (by id) on a tile, or clear the tile with None."""
        if not 0 <= index < self.model.tile_count:
            return
        self.model.assign(index, camera_id)

    def show_cameras(self, camera_ids: list[str], start_tile: int = 0) -> list[int]:
        """Put cameras onto consecutive tiles from ``start_tile``; returns the tiles used.

        Used by the alert detail and by the wartime mode.  Unknown ids are shown as
        empty tiles rather than refused (the store may learn them a moment later).
        """
        if self._enlarged is not None:
            self.restore()
        ids = [str(c) for c in camera_ids]
        return self.model.show_cameras(ids, max(0, start_tile))

    def swap(self, a: int, b: int) -> None:
        self.model.swap(a, b)

    @Slot(int)
    def toggle_enlarged(self, index: int) -> None:
        """Enlarge a tile, or restore the grid when it is the enlarged one."""
        if self._enlarged == index:
            self.restore()
        else:
            self.enlarge(index)

    def enlarge(self, index: int) -> None:
        """Show one tile over the whole wall on its main stream."""
        if self._enlarged is not None:
            self.restore()
        tile = self._all_tiles[index]
        for other in self.tiles:
            if other is not tile:
                other.hide()
        self._grid.removeWidget(tile)
        lay = self.model.layout
        self._grid.addWidget(tile, 0, 0, lay.rows, lay.columns)
        self._enlarged = index
        tile.smooth = True
        self._apply_streams()
        self.enlarged_changed.emit(index)

    def restore(self) -> None:
        """Back to the grid; the enlarged tile returns to its sub stream."""
        if self._enlarged is None:
            return
        self._enlarged = None
        self._relayout()
        self.enlarged_changed.emit(None)

    def set_linkage_rule(self, rule: LinkageRule, save: bool = False) -> None:
        """Which alert levels pop up cameras, within which radius, onto which tiles;
        ``save`` keeps it in the cache for the next start."""
        self.linkage.rule = rule
        if save:
            try:
                self.preferences.save_linkage_rule(rule)
            except OSError as exc:
                self.message.emit(self.tr("联动设置未保存：{error}").format(error=exc), True)

    def start_tour(self, tour: Tour) -> None:
        self.tours.start(tour)
        self._update_tour_label()

    def toggle_tour_pause(self) -> None:
        if self.tours.tour is None:
            return
        if self.tours.running:
            self.tours.pause()
        else:
            self.tours.resume()
        self._update_tour_label()

    def skip_tour(self) -> None:
        self.tours.skip()
        self._update_tour_label()

    def stop_tour(self) -> None:
        self.tours.stop()
        self._update_tour_label()

    def snapshot(self, index: int | None = None) -> Any:
        """Save the focused (or given) tile as PNG through the snapshot service; returns the path."""
        slot = self._focused_slot if index is None else index
        if slot is None and self._enlarged is not None:
            slot = self._enlarged
        tile = self._all_tiles[slot] if slot is not None and slot < len(self._all_tiles) else None
        if tile is None or tile.camera_id is None:
            self.message.emit(self.tr("截图未保存：请先选中一个有摄像机的画面"), True)
            return None
        try:
            path = CameraSnapshots.for_core(self._core).save(tile.render_png(), tile.camera_id, tile.camera_name)
        except (ExportError, OSError) as exc:
            self.message.emit(self.tr("截图未保存：{error}").format(error=exc), True)
            return None
        self.message.emit(self.tr("已保存截图：{name}").format(name=path.name), False)
        return path

    def ptz(self, index: int, action: str) -> bool:
        """One PTZ step for the camera on a tile, as a ``camera.ptz`` command; False if refused."""
        tile = self._all_tiles[index] if 0 <= index < len(self._all_tiles) else None
        camera = self._camera(tile.camera_id) if tile is not None and tile.camera_id else None
        try:
            self._ptz.step(camera, action)
        except PtzError as exc:
            self.message.emit(str(exc), True)
            return False
        except Exception as exc:  # noqa: BLE001 - the outbox could not store it
            self.message.emit(self.tr("云台指令未提交：{error}").format(error=exc), True)
            return False
        return True

    def save_wall(self, name: str) -> None:
        try:
            self.preferences.save_wall(name, self.model)
        except (ValueError, OSError) as exc:
            self.message.emit(self.tr("画面方案未保存：{error}").format(error=exc), True)
            return
        self.message.emit(self.tr("已保存画面方案：{name}").format(name=name), False)

    def load_wall(self, name: str) -> bool:
        if self._enlarged is not None:
            self.restore()
        return self.preferences.load_wall(name, self.model)

    # ------------------------------------------------------------------ handlers

    def _on_model_changed(self, slots: set[int], layout: bool) -> None:
        if layout:
            self._enlarged = None
            self._relayout()
            self.layout_changed.emit(self.model.layout.name)
        for slot in sorted(slots):
            if slot < len(self._all_tiles):
                self._all_tiles[slot].assign(self._camera(self.model.camera_at(slot)))
        if layout:
            self._fill_empty_tiles()  # a larger layout shows more of the online cameras

    def _on_cameras_changed(self, ids: Iterable[str]) -> None:
        changed = set(ids)
        for tile in self._all_tiles:
            wanted = self.model.camera_at(tile.index)
            if wanted is not None and wanted in changed:
                # Status or stream URLs of a shown camera changed, or a camera put on
                # the wall before the store knew it has arrived.
                camera = self._camera(wanted)
                if camera is not None:
                    tile.assign(camera)
        self._fill_empty_tiles()

    def _on_alerts_changed(self, ids: Iterable[str]) -> None:
        store = getattr(self._core.picture, "alerts", None)
        if store is None:
            return
        cleared = self.linkage.clear_acknowledged(store.get)
        # Changed alerts, and those waiting for a linkage tile to be acknowledged.
        wanted = set(ids) | set(self.linkage.held_ids())
        changed = [a for a in (store.get(i) for i in wanted) if a is not None]
        results = self.linkage.consider(changed, self._core.picture.cameras)
        for result in results:
            visible = [(s, c, d) for s, c, d in result.placements if s < self.model.tile_count]
            if self._enlarged is not None and visible:
                self.restore()
            for slot, camera_id, _d in visible:
                self.model.assign(slot, camera_id)
        for slot in cleared | {s for r in results for s, _c, _d in r.placements}:
            self._paint_banner(slot)
        if results:
            alert = store.get(results[0].alert_id)
            if alert is not None:
                self.message.emit(self.tr("告警联动：{title}，已调取附近 {n} 路视频").format(
                    title=alert.title, n=len(results[0].placements)), False)

    def _on_tour_tick(self) -> None:
        if self.tours.tick():
            self._update_tour_label()

    def _on_tile_focused(self, slot: int) -> None:
        if self._focused_slot == slot:
            return
        self._focused_slot = slot
        self._apply_streams()

    # ------------------------------------------------------------------ internals

    def _camera(self, camera_id: str | None) -> Any:
        return self._core.picture.cameras.get(camera_id) if camera_id else None

    def _make_tile(self, index: int) -> VideoTile:
        tile = VideoTile(index, self._surface)
        tile.hide()
        tile.activated.connect(lambda i=index: self.toggle_enlarged(i))
        tile.camera_dropped.connect(self._on_camera_dropped)
        tile.tile_dropped.connect(self.swap)
        tile.ptz_requested.connect(lambda action, i=index: self.ptz(i, action))
        tile.focused.connect(lambda i=index: self._on_tile_focused(i))
        tile.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        tile.customContextMenuRequested.connect(lambda pos, i=index: self._tile_menu(i, pos))
        return tile

    def _on_camera_dropped(self, slot: int, camera_id: str) -> None:
        if self._camera(camera_id) is None:
            self.message.emit(self.tr("未知的摄像机：{id}").format(id=camera_id), True)
            return
        self.model.assign(slot, camera_id)

    def _relayout(self) -> None:
        lay = self.model.layout
        # QtMultimedia opens (and probes) each stream in a task on Qt's global thread
        # pool, which has one thread per core: on 2 cores 36 tiles came up two at a
        # time, ~2 s apart, and the watchdog gave up on the last ones (measured).
        # Opening is waiting on the network, not computing: allow one per tile.
        pool = QThreadPool.globalInstance()
        if pool.maxThreadCount() < lay.tiles + 4:
            pool.setMaxThreadCount(lay.tiles + 4)
        while len(self._all_tiles) < lay.tiles:
            tile = self._make_tile(len(self._all_tiles))
            self._all_tiles.append(tile)
            tile.assign(self._camera(self.model.camera_at(tile.index)))
        for tile in self._all_tiles:
            self._grid.removeWidget(tile)
        for r in range(max(self._grid.rowCount(), 8)):
            self._grid.setRowStretch(r, 0)
        for c in range(max(self._grid.columnCount(), 8)):
            self._grid.setColumnStretch(c, 0)
        for slot, tile in enumerate(self._all_tiles):
            if slot < lay.tiles:
                cell = lay.cells[slot]
                self._grid.addWidget(tile, cell.row, cell.col, cell.rowspan, cell.colspan)
            else:
                tile.hide()  # beyond the layout: keeps its camera, stops decoding
        for r in range(lay.rows):
            self._grid.setRowStretch(r, 1)
        for c in range(lay.columns):
            self._grid.setColumnStretch(c, 1)
        for tile in self.tiles:
            tile.smooth = lay.tiles <= 4 or tile.index in lay.large_slots
            tile.show()
        if self._focused_slot is not None and self._focused_slot >= lay.tiles:
            self._focused_slot = None
        self._apply_streams()
        for slot in range(lay.tiles):
            self._paint_banner(slot)
        if self._bar is not None:
            self._layout_button.setText(self.tr("画面 {name}").format(name=lay.name))

    def _apply_streams(self) -> None:
        """Main stream when enlarged; on large walls the third stream except on the focused tile."""
        many = self.model.tile_count > LOW_STREAM_ABOVE
        for tile in self.tiles:
            if self._enlarged == tile.index:
                tile.set_stream("main")
            elif many and tile.index != self._focused_slot:
                tile.set_stream("low")
            else:
                tile.set_stream("sub")

    def _paint_banner(self, slot: int) -> None:
        if slot >= len(self._all_tiles):
            return
        banner = self.linkage.banner_at(slot)
        tile = self._all_tiles[slot]
        if banner is None:
            tile.set_banner(None)
            return
        level = QCoreApplication.translate("VideoWall", LEVEL_NAMES.get(banner.level, banner.level))
        text = self.tr("{level} · {title} · 距 {m} 米 · 待签收").format(
            level=level, title=banner.title, m=f"{banner.distance_m:.0f}")
        tile.set_banner(text, LEVEL_COLOURS.get(banner.level, "#c62828"))

    def _fill_empty_tiles(self) -> None:
        visible = self.model.visible()
        empty = [i for i, cid in enumerate(visible) if cid is None]
        if not empty:
            return
        shown = set(visible)
        candidates = sorted(
            (c for c in self._core.picture.cameras.values()
             if c.status == "online" and c.id not in shown),
            key=lambda c: c.id,
        )
        for slot, camera in zip(empty, candidates):
            self.model.assign(slot, camera.id)

    def _focused_tile_slot(self) -> int | None:
        if self._enlarged is not None:
            return self._enlarged
        return self._focused_slot

    def _build_toolbar(self) -> QWidget:
        bar = QWidget(self)
        bar.setObjectName("VideoWallBar")
        row = QHBoxLayout(bar)
        row.setContentsMargins(4, 2, 4, 2)
        row.setSpacing(4)

        self._layout_button = QToolButton(bar)
        self._layout_button.setToolTip(self.tr("画面布局（Alt+1 … Alt+9）"))
        self._layout_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self._layout_button)
        for k, name in enumerate(LAYOUT_KEYS):
            label = self.tr("{n} 画面").format(n=LAYOUTS[name].tiles) if name.isdigit() else \
                self.tr("1 大 {n} 小").format(n=LAYOUTS[name].tiles - 1)
            act = menu.addAction(f"{label}\tAlt+{k + 1}")
            act.triggered.connect(lambda _=False, n=name: self.set_layout(n))
        self._layout_button.setMenu(menu)
        row.addWidget(self._layout_button)

        self._tour_button = QToolButton(bar)
        self._tour_button.setText(self.tr("轮巡"))
        self._tour_button.setToolTip(self.tr("轮巡：T 暂停/继续，N 下一组"))
        self._tour_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self._tour_menu = QMenu(self._tour_button)
        self._tour_menu.aboutToShow.connect(self._fill_tour_menu)
        self._tour_button.setMenu(self._tour_menu)
        row.addWidget(self._tour_button)

        self._preset_button = QToolButton(bar)
        self._preset_button.setText(self.tr("画面方案"))
        self._preset_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self._preset_menu = QMenu(self._preset_button)
        self._preset_menu.aboutToShow.connect(self._fill_preset_menu)
        self._preset_button.setMenu(self._preset_menu)
        row.addWidget(self._preset_button)

        self._linkage_button = QToolButton(bar)
        self._linkage_button.setText(self.tr("告警联动"))
        self._linkage_button.setToolTip(self.tr("红色、橙色预警自动调取附近摄像机"))
        self._linkage_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self._linkage_menu = QMenu(self._linkage_button)
        self._linkage_menu.aboutToShow.connect(self._fill_linkage_menu)
        self._linkage_button.setMenu(self._linkage_menu)
        row.addWidget(self._linkage_button)

        shot = QToolButton(bar)
        shot.setText(self.tr("截图"))
        shot.setToolTip(self.tr("保存选中画面的截图（Ctrl+Shift+S）"))
        shot.clicked.connect(lambda: self.snapshot())
        row.addWidget(shot)

        from PySide6.QtWidgets import QLabel

        self._tour_label = QLabel(bar)
        self._tour_label.setObjectName("VideoWallTourLabel")
        row.addWidget(self._tour_label, 1)
        return bar

    def _build_shortcuts(self) -> None:
        from PySide6.QtGui import QKeySequence, QShortcut

        def add(keys: str, fn: Any) -> None:
            sc = QShortcut(QKeySequence(keys), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(fn)

        for k, name in enumerate(LAYOUT_KEYS):
            add(f"Alt+{k + 1}", lambda n=name: self.set_layout(n))
        add("Return", self._toggle_selected)
        add("Escape", self.restore)
        add("Ctrl+Shift+S", lambda: self.snapshot())
        add("T", self.toggle_tour_pause)
        add("N", self.skip_tour)
        add("Delete", self._clear_selected)

    def _toggle_selected(self) -> None:
        slot = self._focused_tile_slot()
        if slot is not None:
            self.toggle_enlarged(slot)

    def _clear_selected(self) -> None:
        if self._focused_slot is not None:
            self.assign(self._focused_slot, None)

    def _fill_tour_menu(self) -> None:
        menu = self._tour_menu
        menu.clear()
        for name, tour in sorted(self.preferences.tours().items()):
            where = self.tr("整墙") if tour.slot is None else self.tr("单画面")
            act = menu.addAction(self.tr("{name}（{where}，{s} 秒）").format(name=name, where=where, s=f"{tour.interval_s:.0f}"))
            act.triggered.connect(lambda _=False, t=tour: self.start_tour(t))
        favs = sorted(self.preferences.favourites())
        if favs:
            act = menu.addAction(self.tr("收藏摄像机（整墙，10 秒）"))
            act.triggered.connect(lambda: self.start_tour(Tour(self.tr("收藏摄像机"), favs, 10.0, None)))
            slot = self._focused_slot
            if slot is not None:
                act = menu.addAction(self.tr("收藏摄像机（选中画面，10 秒）"))
                act.triggered.connect(lambda: self.start_tour(Tour(self.tr("收藏摄像机"), favs, 10.0, slot)))
        online = sorted(c.id for c in self._core.picture.cameras.values() if c.status == "online")
        if online:
            act = menu.addAction(self.tr("全部在线摄像机（整墙，10 秒）"))
            act.triggered.connect(lambda: self.start_tour(Tour(self.tr("全部在线"), online, 10.0, None)))
        menu.addSeparator()
        menu.addAction(self.tr("暂停 / 继续\tT"), self.toggle_tour_pause)
        menu.addAction(self.tr("下一组\tN"), self.skip_tour)
        menu.addAction(self.tr("停止轮巡"), self.stop_tour)
        menu.addAction(self.tr("将当前画面存为轮巡分组…"), self._ask_tour_name)

    def _fill_linkage_menu(self) -> None:
        from dataclasses import replace

        menu = self._linkage_menu
        menu.clear()
        rule = self.linkage.rule
        on = menu.addAction(self.tr("启用告警联动"))
        on.setCheckable(True)
        on.setChecked(rule.enabled)
        on.toggled.connect(lambda v: self.set_linkage_rule(replace(self.linkage.rule, enabled=v), save=True))
        menu.addSeparator()
        for metres in (500, 1000, 1500, 3000):
            act = menu.addAction(self.tr("半径 {m} 米").format(m=metres))
            act.setCheckable(True)
            act.setChecked(abs(rule.radius_m - metres) < 1)
            act.triggered.connect(lambda _=False, m=metres: self.set_linkage_rule(
                replace(self.linkage.rule, radius_m=float(m)), save=True))
        menu.addSeparator()
        for count in (1, 2, 4):
            act = menu.addAction(self.tr("调取到前 {n} 个画面").format(n=count))
            act.setCheckable(True)
            act.setChecked(rule.slots == tuple(range(count)))
            act.triggered.connect(lambda _=False, n=count: self.set_linkage_rule(
                replace(self.linkage.rule, slots=tuple(range(n))), save=True))

    def _fill_preset_menu(self) -> None:
        menu = self._preset_menu
        menu.clear()
        for name in sorted(self.preferences.walls()):
            act = menu.addAction(name)
            act.triggered.connect(lambda _=False, n=name: self.load_wall(n))
        menu.addSeparator()
        menu.addAction(self.tr("保存当前画面方案…"), self._ask_wall_name)

    def _ask_name(self, title: str, done: Any) -> None:
        dialog = QInputDialog(self)
        dialog.setWindowTitle(title)
        dialog.setLabelText(self.tr("名称："))
        dialog.textValueSelected.connect(lambda text: done(text.strip()))
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def _ask_wall_name(self) -> None:
        self._ask_name(self.tr("保存画面方案"), lambda name: self.save_wall(name))

    def _ask_tour_name(self) -> None:
        def save(name: str) -> None:
            ids = [c for c in self.model.visible() if c]
            try:
                self.preferences.save_tour(Tour(name, ids, 10.0, None))
            except (ValueError, OSError) as exc:
                self.message.emit(self.tr("轮巡分组未保存：{error}").format(error=exc), True)
                return
            self.message.emit(self.tr("已保存轮巡分组：{name}").format(name=name), False)

        self._ask_name(self.tr("保存轮巡分组"), save)

    def _update_tour_label(self) -> None:
        if self._bar is None:
            return
        tour = self.tours.tour
        if tour is None:
            self._tour_label.setText("")
        elif self.tours.running:
            self._tour_label.setText(self.tr("轮巡中：{name}").format(name=tour.name))
        else:
            self._tour_label.setText(self.tr("轮巡已暂停：{name}").format(name=tour.name))

    def _tile_menu(self, index: int, pos: QPoint) -> None:
        tile = self._all_tiles[index]
        menu = QMenu(tile)
        menu.addAction(self.tr("放大 / 还原\tEnter"), lambda: self.toggle_enlarged(index))
        menu.addAction(self.tr("截图\tCtrl+Shift+S"), lambda: self.snapshot(index))
        camera = self._camera(tile.camera_id)
        if camera is not None and getattr(camera, "ptz", False):
            ptz = menu.addMenu(self.tr("云台"))
            for action, label in (("left", self.tr("左转\t←")), ("right", self.tr("右转\t→")),
                                  ("up", self.tr("上仰\t↑")), ("down", self.tr("下俯\t↓")),
                                  ("zoom_in", self.tr("放大\t+")), ("zoom_out", self.tr("缩小\t-"))):
                act = ptz.addAction(label)
                act.triggered.connect(lambda _checked=False, a=action: self._ptz_from_menu(index, a))
        menu.addAction(self.tr("清空画面\tDelete"), lambda: self._clear_tile(index))
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(tile.mapToGlobal(pos))

    def _clear_tile(self, index: int) -> None:
        self.assign(index, None)

    def _ptz_from_menu(self, index: int, action: str) -> None:
        self.ptz(index, action)

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        """Stop every stream and stop listening to the core."""
        self._tour_timer.stop()
        for tile in self._all_tiles:
            tile.shutdown()
        disconnect_all(((self._notifier.cameras_changed, self._on_cameras_changed),
                             (getattr(self._notifier, "alerts_changed", None), self._on_alerts_changed)))
        super().closeEvent(event)
