"""准备离线区域 — download a bounding box (or a street's extent) of base-map tiles into
the console's MBTiles cache: size estimate first, progress, cancel, resume.

The work is :func:`console.tiles.prefetch` running as an asyncio task on the GUI's
qasync loop (network and batched SQLite writes; the GUI stays responsive).  A
cancelled or interrupted download resumes where it stopped: tiles already in the
cache are skipped.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from console.tiles import (
    PrefetchCancel,
    PrefetchProgress,
    TileService,
    TileSourceError,
    check_bbox,
    estimate_area,
    format_bytes,
    import_into,
    prefetch,
)
from offline_cache.tiles import TileStoreError
from widgets.signals import gui_callback

log = logging.getLogger(__name__)

DISTRICT_BBOX = (114.26, 22.62, 114.445, 22.79)


def _extent(feature: dict[str, Any]) -> tuple[float, float, float, float] | None:
    from console.geojson_check import geometry_bounds

    return geometry_bounds(feature.get("geometry"))


class OfflineAreaDialog(QDialog):
    """Non-modal dialog over a :class:`console.tiles.TileService`.

    ``finished_download(PrefetchProgress)`` when a run ends (done or cancelled).
    """

    finished_download = Signal(object)

    def __init__(self, service: TileService, layers: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("OfflineAreaDialog")
        self.setWindowTitle(self.tr("准备离线区域"))
        self.setModal(False)
        self._service = service
        self._task: asyncio.Task[Any] | None = None
        self._busy = False
        self._cancel: PrefetchCancel | None = None
        self.last_result: PrefetchProgress | None = None

        self._area = QComboBox(self)
        self._area.addItem(self.tr("全区（坪山区）"), DISTRICT_BBOX)
        district = ((layers.get("district") or {}).get("features") or [None])[0]
        if district:
            ext = _extent(district)
            if ext:
                self._area.setItemData(0, ext)
        for f in (layers.get("streets") or {}).get("features") or []:
            ext = _extent(f)
            if ext:
                self._area.addItem(str((f.get("properties") or {}).get("name_zh") or f.get("id")), ext)
        self._area.addItem(self.tr("自定义范围"), None)
        self._area.currentIndexChanged.connect(self._on_area_changed)

        self._bbox = []
        for label, lo, hi in ((self.tr("西"), -180, 180), (self.tr("南"), -85, 85),
                              (self.tr("东"), -180, 180), (self.tr("北"), -85, 85)):
            spin = QDoubleSpinBox(self)
            spin.setDecimals(4)
            spin.setRange(lo, hi)
            spin.setSingleStep(0.01)
            spin.setPrefix(label + " ")
            spin.valueChanged.connect(self._on_bbox_edited)
            self._bbox.append(spin)
        self._zmin = QSpinBox(self)
        self._zmax = QSpinBox(self)
        for zspin, value in ((self._zmin, 12), (self._zmax, 16)):
            zspin.setRange(8, 18)
            zspin.setValue(value)
            zspin.valueChanged.connect(self._update_estimate)
        self._estimate = QLabel(self)
        self._estimate.setObjectName("OfflineEstimate")
        self._progress = QProgressBar(self)
        self._progress.setRange(0, 100)
        self._progress.setValue(0)
        self._state = QLabel(self)
        self._state.setWordWrap(True)
        self._start = QPushButton(self.tr("开始下载"), self)
        self._start.setDefault(True)
        self._start.setToolTip(self.tr("下载所选范围的瓦片（Enter）；已缓存的跳过，可随时继续"))
        self._start.clicked.connect(self.start)
        self._stop = QPushButton(self.tr("取消"), self)
        self._stop.setToolTip(self.tr("停止下载，已下载的瓦片保留（Esc）"))
        self._stop.setEnabled(False)
        self._stop.clicked.connect(self.cancel)
        close = QPushButton(self.tr("关闭"), self)
        close.clicked.connect(self.close)

        bbox_row = QHBoxLayout()
        for spin in self._bbox:
            bbox_row.addWidget(spin)
        zoom_row = QHBoxLayout()
        zoom_row.addWidget(self._zmin)
        zoom_row.addWidget(QLabel("—", self))
        zoom_row.addWidget(self._zmax)
        zoom_row.addStretch(1)
        form = QFormLayout()
        form.addRow(self.tr("区域"), self._area)
        form.addRow(self.tr("范围（经纬度）"), bbox_row)
        form.addRow(self.tr("缩放级别"), zoom_row)
        form.addRow(self.tr("预计"), self._estimate)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self._start)
        buttons.addWidget(self._stop)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self._progress)
        layout.addWidget(self._state)
        layout.addLayout(buttons)
        esc = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        esc.activated.connect(self._on_escape)
        self.resize(640, 260)
        self._on_area_changed(0)
        if service.source is None:
            self._start.setEnabled(False)
            self._state.setText(self.tr("未配置瓦片服务：只能使用已缓存或导入的瓦片"))

    # ------------------------------------------------------------------ public

    @property
    def running(self) -> bool:
        return self._busy

    def set_area(self, bbox: tuple[float, float, float, float], zmin: int, zmax: int) -> None:
        """Choose a custom bbox and zoom range (tests, keyboard users)."""
        self._area.setCurrentIndex(self._area.count() - 1)
        for spin, value in zip(self._bbox, bbox):
            spin.blockSignals(True)
            spin.setValue(value)
            spin.blockSignals(False)
        self._zmin.setValue(zmin)
        self._zmax.setValue(zmax)
        self._update_estimate()

    def estimate_text(self) -> str:
        return self._estimate.text()

    def state_text(self) -> str:
        return self._state.text()

    def progress_value(self) -> int:
        return self._progress.value()

    def start(self) -> None:
        """Start (or resume) the download of the chosen area."""
        if self.running or self._service.source is None:
            return
        try:
            bbox = check_bbox([s.value() for s in self._bbox])
        except TileSourceError as exc:
            self._state.setText(str(exc))
            return
        zmin, zmax = self._zmin.value(), min(max(self._zmax.value(), self._zmin.value()), 18)
        self._cancel = PrefetchCancel()
        self._start.setEnabled(False)
        self._stop.setEnabled(True)
        self._state.setText(self.tr("正在下载…"))
        self._busy = True
        self._task = asyncio.get_event_loop().create_task(self._run(bbox, zmin, zmax, self._cancel))

    def cancel(self) -> None:
        """Stop after the tiles in flight; what is downloaded stays."""
        if self._cancel is not None:
            self._cancel.set()
            self._state.setText(self.tr("正在取消…"))

    # ------------------------------------------------------------------ internals

    async def _run(self, bbox: tuple[float, float, float, float], zmin: int, zmax: int,
                   cancel: PrefetchCancel) -> None:
        result: PrefetchProgress | None = None
        try:
            result = await prefetch(self._service.store, self._service.source, bbox, zmin, zmax,
                                    progress=self._on_progress, cancel=cancel)
        except TileSourceError as exc:
            self._state.setText(str(exc))
        except Exception as exc:  # noqa: BLE001 - reported in the dialog, never a traceback
            log.exception("offline area download failed")
            self._state.setText(self.tr("下载失败：{e}").format(e=f"{type(exc).__name__}: {exc}"))
        finally:
            self._busy = False
            self._start.setEnabled(True)
            self._stop.setEnabled(False)
        if result is None:
            return
        self.last_result = result
        if result.cancelled:
            self._start.setText(self.tr("继续下载"))
            self._state.setText(self.tr("已取消：已下载 {n} 块（{size}），点“继续下载”从中断处续传").format(
                n=result.done, size=format_bytes(result.bytes)))
        elif result.failed:
            self._start.setText(self.tr("重试失败的瓦片"))
            self._state.setText(self.tr("完成，但有 {f} 块失败（网络不可达？）；可重试").format(f=result.failed))
        else:
            self._start.setText(self.tr("开始下载"))
            self._state.setText(self.tr("完成：{total} 块瓦片已在本地（新下载 {n} 块，{size}）").format(
                total=result.total, n=result.fetched, size=format_bytes(result.bytes)))
        self._update_estimate()
        self.finished_download.emit(result)

    def _on_progress(self, p: PrefetchProgress) -> None:
        self._progress.setValue(int(p.fraction * 100))
        if not p.finished and not p.cancelled:
            self._state.setText(self.tr("进度 {done}/{total}：新下载 {n} 块 {size}，已有 {s} 块，失败 {f} 块").format(
                done=p.done, total=p.total, n=p.fetched, size=format_bytes(p.bytes), s=p.skipped, f=p.failed))

    def _on_area_changed(self, index: int) -> None:
        ext = self._area.itemData(index)
        if ext:
            for spin, value in zip(self._bbox, ext):
                spin.blockSignals(True)
                spin.setValue(round(value, 4))
                spin.blockSignals(False)
        self._update_estimate()

    def _on_bbox_edited(self, _value: float) -> None:
        if self._area.currentIndex() != self._area.count() - 1:
            self._area.blockSignals(True)
            self._area.setCurrentIndex(self._area.count() - 1)
            self._area.blockSignals(False)
        self._update_estimate()

    def _update_estimate(self) -> None:
        try:
            bbox = check_bbox([s.value() for s in self._bbox])
        except TileSourceError as exc:
            self._estimate.setText(str(exc))
            self._start.setEnabled(False)
            return
        zmin, zmax = self._zmin.value(), self._zmax.value()
        if zmax < zmin:
            self._estimate.setText(self.tr("缩放级别：起始不能大于结束"))
            self._start.setEnabled(False)
            return
        est = estimate_area(self._service.store, bbox, zmin, zmax)
        self._estimate.setText(self.tr("共 {t} 块瓦片（已缓存 {c}），需下载 {d} 块，约 {size}").format(
            t=est.tiles, c=est.cached, d=est.to_download, size=format_bytes(est.bytes)))
        self._start.setEnabled(not self.running and self._service.source is not None)

    def _on_escape(self) -> None:
        if self.running:
            self.cancel()
        else:
            self.close()


class MBTilesImport(QObject):
    """导入离线地图包: an MBTiles file chosen (non-modal) and copied into the tile cache on a
    worker thread. ``chosen(path)`` when the operator picks a file (the panel then calls
    :meth:`start`); ``finished(added, message)`` when the import ends (added = -1 on failure,
    with why). The chooser's texts belong to the map's translation context (``MapPanel``)."""

    chosen = Signal(str)
    finished = Signal(int, str)

    def __init__(self, service: TileService, parent: QWidget) -> None:
        super().__init__(parent)
        self._service = service
        self._parent = parent
        self._dialog: QFileDialog | None = None

    def choose(self) -> None:
        """Open the file chooser; a chosen file starts the import."""
        if self._dialog is None:
            self._dialog = QFileDialog(self._parent, QCoreApplication.translate("MapPanel", "导入离线地图包"))
            self._dialog.setNameFilter(QCoreApplication.translate("MapPanel", "MBTiles 文件 (*.mbtiles)"))
            self._dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
            self._dialog.fileSelected.connect(self.chosen)
        self._dialog.open()

    def start(self, path: str) -> None:
        """Import ``path`` into the cache on a worker thread."""
        target = self._service.store.path

        # The worker never emits on this object itself: the map may close while it runs.
        done = gui_callback(self, lambda importer, added, text: importer.finished.emit(added, text))

        def work() -> None:
            try:
                report = import_into(target, path)
            except TileStoreError as exc:
                done(-1, str(exc))
            except Exception as exc:  # noqa: BLE001 - reported in the panel, never a traceback
                log.exception("MBTiles import failed")
                done(-1, f"{type(exc).__name__}: {exc}")
            else:
                done(report.added, report.describe())

        threading.Thread(target=work, name="mbtiles-import", daemon=True).start()
