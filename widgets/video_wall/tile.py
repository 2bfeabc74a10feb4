"""One wall tile: a camera stream decoded by QtMultimedia and painted with its overlays.

The tile decodes one stream with QtMultimedia (its FFmpeg backend decodes in its own
threads) into a :class:`QVideoSink`, and paints the latest frame itself so that the
overlays (camera name, clock, live/stalled badge, frame rate, an alarm banner) sit on
top of the picture.

The tile decides nothing about the stream: :class:`console.video_stream.TileStream`
(Qt-free) holds the state — connecting, live, stalled with a backoff, parked while
hidden — and this view feeds it what the player and the window report (a frame, an
error, the end of the media, a 250 ms watchdog tick, shown/hidden, the camera's answer
to a diagnosis) and carries out the :class:`~console.video_stream.StreamStep` it gets
back: stop or start the player, drop the picture, ask the camera why, repaint.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import Any

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
    QTimer,
    QUrl,
    Signal,
    Slot,
)
from PySide6.QtGui import QBrush, QColor, QDrag, QFont, QImage, QPainter, QPaintEvent, QPen
from PySide6.QtMultimedia import QMediaPlayer, QVideoFrame, QVideoSink
from PySide6.QtWidgets import QApplication, QSizePolicy, QWidget

from console.camera_url import CameraUrlError, parse_camera_url
from console.models import Camera
from console.stream_check import StreamDiagnosis, diagnose
from console.video_stream import StreamState, StreamStep, TileCamera, TileStream
from district.vocabulary import DISTRICT_TZ
from widgets.grab import widget_png
from widgets.signals import gui_callback
from widgets.video_wall.dnd import accepts, read_drop, tile_mime

PTZ_KEYS = {
    Qt.Key.Key_Left: "left", Qt.Key.Key_Right: "right", Qt.Key.Key_Up: "up", Qt.Key.Key_Down: "down",
    Qt.Key.Key_Plus: "zoom_in", Qt.Key.Key_Equal: "zoom_in", Qt.Key.Key_PageUp: "zoom_in",
    Qt.Key.Key_Minus: "zoom_out", Qt.Key.Key_PageDown: "zoom_out",
}

BADGES: dict[StreamState, tuple[str, str]] = {
    StreamState.IDLE: (QT_TRANSLATE_NOOP("VideoTile", "未分配"), "#546e7a"),
    StreamState.CONNECTING: (QT_TRANSLATE_NOOP("VideoTile", "连接中"), "#607d8b"),
    StreamState.LIVE: (QT_TRANSLATE_NOOP("VideoTile", "实时"), "#2e7d32"),
    StreamState.STALLED: (QT_TRANSLATE_NOOP("VideoTile", "信号中断"), "#c62828"),
    StreamState.OFFLINE: (QT_TRANSLATE_NOOP("VideoTile", "离线"), "#6d4c41"),
    StreamState.PAUSED: (QT_TRANSLATE_NOOP("VideoTile", "暂停解码"), "#455a64"),
    StreamState.INVALID: (QT_TRANSLATE_NOOP("VideoTile", "地址错误"), "#ad1457"),
}

CARDS: dict[StreamState, tuple[str, str]] = {
    StreamState.IDLE: (QT_TRANSLATE_NOOP("VideoTile", "未分配摄像机"), "#546e7a"),
    StreamState.CONNECTING: (QT_TRANSLATE_NOOP("VideoTile", "连接中…"), "#90a4ae"),
    StreamState.STALLED: (QT_TRANSLATE_NOOP("VideoTile", "信号中断"), "#ef5350"),
    StreamState.OFFLINE: (QT_TRANSLATE_NOOP("VideoTile", "设备离线"), "#a1887f"),
    StreamState.PAUSED: (QT_TRANSLATE_NOOP("VideoTile", "暂停解码"), "#78909c"),
    StreamState.INVALID: (QT_TRANSLATE_NOOP("VideoTile", "地址错误，无法播放"), "#f48fb1"),
}
"""The big title painted on a tile without a picture, per state (source text, colour)."""


def state_texts(state: StreamState) -> tuple[str, str]:
    """(badge, card title) of ``state`` in the UI language; a live tile has no card title."""
    badge = QCoreApplication.translate("VideoTile", BADGES[state][0])
    card = CARDS.get(state)
    return badge, QCoreApplication.translate("VideoTile", card[0]) if card else ""


def source_url(url: str) -> QUrl:
    """A camera URL as the player takes it: rtsp://, http(s):// (MPEG-TS, HTTP-FLV, HLS
    .m3u8, MJPEG), file:// or a bare local path.  Parsed by the core
    (:mod:`console.camera_url`): credentials with ``@ # : / ?`` reach FFmpeg
    percent-encoded; a URL it cannot parse raises :class:`CameraUrlError`."""
    parsed = parse_camera_url(url)
    if parsed.local_path is not None:
        return QUrl.fromLocalFile(parsed.local_path)
    return QUrl.fromEncoded(QByteArray(parsed.player_url().encode("ascii")))


class VideoTile(QWidget):
    """One wall tile: a camera stream, decoded by QtMultimedia and painted with overlays.

    ``activated`` is emitted on double-click (the wall enlarges or restores the tile);
    ``camera_dropped(slot, camera_id)`` and ``tile_dropped(from_slot, to_slot)`` on a
    drop; ``ptz_requested(action)`` on an arrow / zoom key; ``focused()`` on focus;
    ``state_changed(state)`` when the stream's state (:class:`StreamState`) changes.
    """

    activated = Signal()
    state_changed = Signal(str)
    camera_dropped = Signal(int, str)
    tile_dropped = Signal(int, int)
    ptz_requested = Signal(str)
    focused = Signal()

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
        self._s = TileStream()
        self._shown_state = self._s.state  # the state last announced by state_changed
        self._frame: QVideoFrame | None = None
        self._banner: tuple[str, str] | None = None  # text, colour
        self._press_pos: QPoint | None = None
        self._drop_hover = False
        self.smooth = True
        """Smooth scaling; a large wall turns it off (measured on the feed: 16 tiles 94 % → 76 % CPU)."""

        self._sink = QVideoSink(self)
        self._sink.videoFrameChanged.connect(self._on_frame_changed)
        self._player = QMediaPlayer(self)
        # Muted wall: no audio output is attached, so audio is neither decoded nor played.
        self._player.setVideoSink(self._sink)
        self._player.mediaStatusChanged.connect(self._on_media_status_changed)
        self._player.errorOccurred.connect(self._on_player_error)

        self._watchdog = QTimer(self)
        self._watchdog.setInterval(250)
        self._watchdog.timeout.connect(self._on_watchdog_tick)
        self._watchdog.start()

    # ------------------------------------------------------------------ public API

    @property
    def camera_id(self) -> str | None:
        """The camera shown, or None for an empty tile."""
        return self._s.camera_id

    @property
    def camera_name(self) -> str:
        return self._s.camera_name

    @property
    def stream(self) -> str:
        """"sub" in the grid, "low" on large walls, "main" when enlarged."""
        return self._s.stream

    @property
    def state(self) -> str:
        """One of idle, connecting, live, stalled, offline, paused (hidden: not decoding), invalid."""
        return self._s.state.value

    @property
    def badge_text(self) -> str:
        """The badge drawn on the tile: 实时, 信号中断, 连接中, 离线 or 未分配."""
        return QCoreApplication.translate("VideoTile", BADGES[self._s.state][0])

    @property
    def url_problem(self) -> str | None:
        """Why the stream's URL cannot be played (state ``invalid``), else None."""
        return self._s.url_problem if self._s.state == StreamState.INVALID else None

    @property
    def failure_reason(self) -> str:
        """Why the stream did not open, as the camera told the core (empty: not known)."""
        return self._s.failure_reason

    @property
    def frames_received(self) -> int:
        return self._s.frames_received

    @property
    def reconnects(self) -> int:
        """How many times the watchdog or an error restarted the stream."""
        return self._s.reconnects

    @property
    def decoding(self) -> bool:
        """The tile plays (or keeps reconnecting to) its stream: False when idle, offline or
        parked (hidden / minimised)."""
        return self._s.decoding

    @property
    def frame_size(self) -> QSize:
        """Size of the last decoded frame (empty when there is no picture)."""
        return self._frame.size() if self._frame is not None else QSize()

    @property
    def source_url(self) -> str:
        return self._player.source().toString()

    @property
    def fps(self) -> float:
        """Frames per second over the last couple of seconds."""
        return self._s.fps(time.monotonic())

    def assign(self, camera: Camera | None) -> None:
        """Show a camera (anything with id, name, status, streams.main/sub), or clear the tile."""
        tile_camera = TileCamera.of(camera) if camera is not None else None
        self._do(self._s.assign(tile_camera, time.monotonic(), visible=self.isVisible()))

    def set_stream(self, kind: str) -> None:
        """Switch between the "low", "sub" and "main" stream of the camera."""
        self._do(self._s.set_stream(kind, time.monotonic(), visible=self.isVisible()))

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
        self._do(self._s.shutdown())

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(480, 270)

    # ------------------------------------------------------------------ the stream's events

    @Slot(QVideoFrame)
    def _on_frame_changed(self, frame: QVideoFrame) -> None:
        if not frame.isValid():
            return
        step = self._s.frame(time.monotonic())
        if step.keep_frame:
            # Keep the frame, convert it only when painting: hidden or coalesced paints
            # then cost nothing.
            self._frame = frame
        self._do(step)

    @Slot(QMediaPlayer.MediaStatus)
    def _on_media_status_changed(self, status: QMediaPlayer.MediaStatus) -> None:
        if status in (QMediaPlayer.MediaStatus.EndOfMedia, QMediaPlayer.MediaStatus.InvalidMedia):
            # A live stream never ends: the connection dropped.
            self._do(self._s.failed(f"media status {status.name}", time.monotonic()))

    @Slot(QMediaPlayer.Error, str)
    def _on_player_error(self, error: QMediaPlayer.Error, message: str) -> None:
        if error != QMediaPlayer.Error.NoError:
            self._do(self._s.failed(f"{error.name}: {message}", time.monotonic()))

    @Slot()
    def _on_watchdog_tick(self) -> None:
        window = self.window()
        minimised = window is not None and window.isMinimized()
        self._do(self._s.tick(time.monotonic(), visible=self.isVisible(), minimised=minimised))

    @Slot(str, object)
    def _on_diagnosed(self, url: str, result: StreamDiagnosis | None) -> None:
        if result is not None:
            self._do(self._s.diagnosed(url, result.reason, result.retry_after_s, time.monotonic()))

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        window = self.window()
        if not (window is not None and window.isMinimized()):
            self._do(self._s.resume(time.monotonic(), visible=self.isVisible()))

    def hideEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().hideEvent(event)
        self._do(self._s.park())

    # ------------------------------------------------------------------ carrying out a step

    def _do(self, step: StreamStep) -> None:
        """Carry out what the stream's state machine decided, then announce a new state."""
        if step.stop and not self._player.source().isEmpty():
            self._player.stop()
            self._player.setSource(QUrl())
        if step.drop_picture:
            self._frame = None
        if step.play is not None:
            self._play(step.play)
        if step.diagnose:
            self._ask_why(step.diagnose)
        state = self._s.state
        if state != self._shown_state:
            self._shown_state = state
            self.state_changed.emit(state.value)
        if step.repaint:
            self.update()

    def _play(self, url: str) -> None:
        try:
            qurl = source_url(url)
        except CameraUrlError:  # the core's url_problem said it parses: cannot happen
            return
        # A recording (local file) loops; a live stream that ends has dropped.
        self._player.setLoops(QMediaPlayer.Loops.Infinite if qurl.isLocalFile() else 1)
        self._player.setSource(qurl)
        self._player.play()

    def _ask_why(self, url: str) -> None:
        """The player only says "Could not open": ask the camera once, on a worker thread
        (the core talks to it; this tile shows the answer)."""

        answer = gui_callback(self, VideoTile._on_diagnosed)  # the worker never touches the tile itself

        def work() -> None:
            answer(url, diagnose(url))

        threading.Thread(target=work, name="stream-diagnosis", daemon=True).start()

    # ------------------------------------------------------------------ gestures

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
        if self._press_pos is None or self._s.camera_id is None:
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
        return tile_mime(self.index, self._s.camera_id)

    def dragEnterEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        if accepts(event.mimeData()):
            self._drop_hover = True
            self.update()
            event.acceptProposedAction()

    def dragMoveEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        if accepts(event.mimeData()):
            event.acceptProposedAction()

    def dragLeaveEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        self._drop_hover = False
        self.update()

    def dropEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        self._drop_hover = False
        self.update()
        drop = read_drop(event.mimeData())
        if drop is None:
            return
        if drop.from_slot is not None:
            if drop.from_slot != self.index:
                self.tile_dropped.emit(drop.from_slot, self.index)
        elif drop.camera_id:
            self.camera_dropped.emit(self.index, drop.camera_id)
        event.acceptProposedAction()

    def keyPressEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        action = PTZ_KEYS.get(Qt.Key(event.key()))
        if action is not None and self._s.camera_id is not None:
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

    # ------------------------------------------------------------------ painting

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        rect = self.rect()
        painter.fillRect(rect, QColor("#05090e"))
        # An opaque caption strip above the picture: cameras burn their own OSD
        # into the top of the image, and the console's caption must not cover it.
        bar_h = self._caption_height()
        picture = rect.adjusted(0, bar_h, 0, 0)
        if self._s.state == StreamState.LIVE and self._frame is not None:
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
        if self._s.state == StreamState.STALLED:
            # Hatched card, so a lost signal can never pass for a still scene.
            painter.fillRect(rect, QColor("#1a0b0d"))
            painter.fillRect(rect, QBrush(QColor(198, 40, 40, 40), Qt.BrushStyle.BDiagPattern))
            wait = self._s.reconnect_in(time.monotonic())
            if wait is not None:
                detail = QCoreApplication.translate("VideoTile", "{wait} 秒后重连（第 {n} 次）").format(
                    wait=f"{wait:.0f}", n=self._s.failures)
            else:
                detail = QCoreApplication.translate("VideoTile", "正在重连…")
            if self._s.failure_reason:
                detail = f"{self._s.failure_reason}\n{detail}"
        elif self._s.state == StreamState.CONNECTING:
            detail = self._stream_label()
        elif self._s.state == StreamState.INVALID:
            detail = self._s.url_problem or ""
        elif self._s.state == StreamState.PAUSED:
            detail = QCoreApplication.translate("VideoTile", "画面不可见")
        else:
            detail = ""
        source, colour_name = CARDS.get(self._s.state, CARDS[StreamState.IDLE])
        title, colour = QCoreApplication.translate("VideoTile", source), QColor(colour_name)
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
        if self._s.stream == "low":
            return QCoreApplication.translate("VideoTile", "第三码流")
        if self._s.stream == "main":
            return QCoreApplication.translate("VideoTile", "主码流")
        return QCoreApplication.translate("VideoTile", "子码流")

    def _paint_overlays(self, painter: QPainter, rect: QRect, bar_h: int) -> None:
        font = QFont(self.font())
        font.setPixelSize(bar_h - 10)
        painter.setFont(font)
        # Caption strip: camera name (left), clock (right).
        painter.fillRect(QRect(0, 0, rect.width(), bar_h), QColor("#0b1926"))
        painter.fillRect(QRect(0, 0, 3, bar_h), QColor(BADGES[self._s.state][1]))
        painter.setPen(QColor("#e3f2fd"))
        metrics = painter.fontMetrics()
        now = datetime.now(DISTRICT_TZ)
        clock = now.strftime("%Y-%m-%d %H:%M:%S")
        if metrics.horizontalAdvance(clock) * 2.2 > rect.width():
            clock = now.strftime("%H:%M:%S")  # small tiles: the name needs the room
        clock_w = metrics.horizontalAdvance(clock)
        painter.drawText(QRect(8, 0, rect.width() - 16, bar_h),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, clock)
        name = self._s.camera_name or "—"
        if self._s.stream == "main":
            name += "  [" + QCoreApplication.translate("VideoTile", "主码流") + "]"
        # Elide in the middle: the spot at the end of the name tells cameras apart.
        name = metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, max(0, rect.width() - clock_w - 28))
        painter.drawText(QRect(8, 0, rect.width() - 16, bar_h),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name)
        # Bottom: badge (left), frame rate (right).
        text, colour = BADGES[self._s.state]
        text = QCoreApplication.translate("VideoTile", text)
        badge_w = metrics.horizontalAdvance(text) + 14
        badge = QRectF(8, rect.height() - bar_h - 6, badge_w, bar_h - 2)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(colour))
        painter.drawRoundedRect(badge, 3, 3)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)
        if self._s.camera_id is not None:
            fps_text = f"{self.fps:4.1f} fps"
            fps_w = metrics.horizontalAdvance(fps_text) + 14
            fps_rect = QRectF(rect.width() - fps_w - 8, rect.height() - bar_h - 6, fps_w, bar_h - 2)
            painter.setBrush(QColor(0, 0, 0, 150))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.drawRoundedRect(fps_rect, 3, 3)
            painter.setPen(QColor("#b2ff59") if self._s.state == StreamState.LIVE else QColor("#90a4ae"))
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
        if self._s.state == StreamState.STALLED:
            edge = QColor("#c62828")
        if self.hasFocus() or self._drop_hover:
            edge, width = QColor("#4fc3f7"), 2
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(edge, width))
        painter.drawRect(rect.adjusted(width // 2, width // 2, -1 - width // 2, -1 - width // 2))


