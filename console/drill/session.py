"""One drill from start to report: its own directory, the engine, the console core's hook, results.

``DrillSession(path)`` opens a scenario (``.yaml``/``.yml``/``.json``) or a drill
package (``.drill``).  Everything the drill writes goes under ``work_dir`` — the
arbiter's district (``arbiter/feed.sqlite``), the console's cache
(``console/console.sqlite``) and the map's tiles (``console/tiles.mbtiles``, see
``console/drill/tiles.py``) — never into the live cache.

The GUI passes the session to ``ConsoleConfig(drill=session)``; ``ConsoleCore.start``
calls :meth:`DrillSession.attach`, which publishes the package's layers and plans
and starts the :class:`DrillSource` as the core's source.  ``run_headless`` does
the same without windows and writes the report and the final state.
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from console.drill.clock import VirtualClock
from console.drill.engine import DrillEngine
from console.drill.package import DrillPackage, is_package, read_package
from console.drill.scenario import Scenario, load_scenario, parse_scenario_text
from console.drill.scoring import Score, score
from console.printable import PdfRenderer

log = logging.getLogger(__name__)
SCENARIO_CLIPS = 4
"""Clips made at the start of a plain scenario drill (the wall's first four tiles)."""

WATERMARK = "演练"
DRILL_OPERATOR = "演练值班员"


def default_drills_dir() -> Path:
    """Where drills keep their data unless told otherwise: beside, never inside, the live cache."""
    import os

    env = os.environ.get("PINGSHAN_DRILL_DIR")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".local" / "share" / "pingshan-console-drills"


def open_drill(path: str | Path) -> tuple[Scenario, DrillPackage | None]:
    """(scenario, package or None); ScenarioError / PackageError (Chinese) when unusable."""
    p = Path(path)
    if is_package(p):
        pkg = read_package(p)
        scenario = parse_scenario_text(pkg.scenario_text, f"{p.name}:{pkg.scenario_name}",
                                       allow_empty=pkg.kind == "recorded")
        return scenario, pkg
    return load_scenario(p), None


@dataclass
class DrillStatus:
    title: str
    now_s: float
    duration_s: float
    speed: float
    paused: bool
    finished: bool
    injects_done: int
    injects_total: int
    score_percent: float | None
    next_inject_s: float | None
    scenario_time: datetime
    report: Path | None


@dataclass
class DrillResult:
    score: Score
    state: dict[str, Any]
    state_json: str
    wall_s: float
    envelopes: int


class DrillSession:
    """A drill's data directory, engine and source; the core hook ``attach(core)``."""

    def __init__(self, path: str | Path, work_dir: str | Path | None = None, *, speed: float = 1.0,
                 paced: bool = True, scripted: bool = False, pace_speed: float | None = None,
                 operator: str = DRILL_OPERATOR, base_map: bool = True,
                 render_pdf: PdfRenderer | None = None) -> None:
        self.path = Path(path)
        self.scenario, self.package = open_drill(self.path)
        root = Path(work_dir) if work_dir is not None else default_drills_dir()
        root.mkdir(parents=True, exist_ok=True)
        # A fresh directory per run: the arbiter's log must start empty for the run to be repeatable.
        stamp = time.strftime("%Y%m%d-%H%M%S")
        self.work_dir = Path(tempfile.mkdtemp(prefix=f"{self.scenario.id}-{stamp}-", dir=root))
        self.console_dir = self.work_dir / "console"
        self.operator = operator
        recorded = None
        if self.package is not None and self.package.envelopes:
            recorded = [(at, body) for at, body in self.package.envelopes]
        self.engine = DrillEngine(self.scenario, self.work_dir, scripted_responses=scripted, recorded=recorded)
        self.clip_paths: dict[str, Path] = {}
        if self.package is not None:
            # Camera clips play from files in the drill's folder (a player needs a file, not a row).
            self.clip_paths = self.package.extract_clips(self.work_dir / "clips")
        elif base_map:
            # A plain scenario in the window: short clips of its own cameras, made now with the
            # feed's encoder (about 1 s for four), so the wall shows pictures, not 信号中断.
            self.clip_paths = self._scenario_clips(SCENARIO_CLIPS)
        for cid, clip in sorted(self.clip_paths.items()):
            self.engine.world.set_camera_clip(cid, clip.resolve().as_uri())
        self.tiles: Any = None  # console.drill.tiles.DrillTiles: the base map in the drill's own tile cache
        if base_map:
            # Before the core opens ``console/tiles.mbtiles``: the map draws these through
            # pstile:// with no network (a drill has no tile source).
            from console.drill.tiles import fill_drill_tiles

            try:
                self.tiles = fill_drill_tiles(self.console_dir, self.scenario, self.package)
            except Exception:  # noqa: BLE001 - a drill without base tiles still runs (layers only)
                log.exception("drill base map could not be prepared")
        self.clock = VirtualClock(speed)
        self.paced = paced
        self.scripted = scripted
        self.pace_speed = pace_speed
        self.source: Any = None
        self.core: Any = None
        self.report_path: Path | None = None
        self.report_pdf = True  # the GUI's drill writes the PDF too when it ends (through render_pdf)
        self.render_pdf = render_pdf  # the view layer's PDF renderer (widgets.pdf); None: HTML only
        self._started_wall = time.monotonic()

    # ------------------------------------------------------------------ core hook

    def _scenario_clips(self, n: int) -> dict[str, Path]:
        """Camera id → clip file for up to ``n`` of the scenario's cameras (never fatal)."""
        from console.drill.package import _clip_cameras
        from simulator import drill_world

        try:
            wm = drill_world
            world = self.engine.world
            wanted = _clip_cameras(world, self.scenario, n)
            out = self.work_dir / "clips"
            wm.encode_clips(world, wanted, out)
            return {cid: out / f"{cid}-sub.ts" for cid in wanted if (out / f"{cid}-sub.ts").exists()}
        except Exception:  # noqa: BLE001 - a drill without pictures still runs
            log.exception("drill clips could not be made")
            return {}

    def console_config_fields(self) -> dict[str, Any]:
        """What the ConsoleConfig of a drill says: its own cache, no backend, the scenario's role."""
        return {"backend_url": None, "cache_dir": self.console_dir, "operator": self.operator,
                "role": self.scenario.role, "fetch_catalogues": False, "drill": self}

    def attach(self, core: Any) -> Any:
        """Called by ``ConsoleCore.start`` (drill mode): layers, plans, then the drill source task."""
        from console.drill.source import DrillSource

        self.core = core
        from console import exports

        exports.DRILL_MARK = f"{WATERMARK}（非真实数据）"  # text exports of a drill say so in their first line
        self._publish_catalogues(core)
        self.source = DrillSource(self.engine, core.ingest, core.picture, core.commands, core.outbox,
                                  clock=self.clock, paced=self.paced, operator=self.operator,
                                  scripted=self.scripted, pace_speed=self.pace_speed)
        core.source = self.source
        if self.paced:  # an operator's drill: the after-action report is written when it ends
            self.source.completed.connect(self._report_at_end)
        core._spawn(self.source.run(), "drill-source")
        return self.source

    def _report_at_end(self) -> None:
        try:
            path = self.write_report(pdf=self.report_pdf)
            log.info("drill report: %s", path)
            if self.core is not None:  # tell the operator where it is (the notices strip)
                self.core._notice(f"演练结束，评估报告：{path}", "info")
        except Exception:  # noqa: BLE001 - the drill itself is done; say so in the log
            log.exception("drill report failed")

    def _publish_catalogues(self, core: Any) -> None:
        from console.models import LayerInfo, PlanList

        try:
            if self.package is not None and self.package.layers:
                infos, docs = self.package.layer_infos, self.package.layers
                plans_json = self.package.plans_json
            else:
                infos, docs = self.engine._world_mod.catalogue_layers()
                plans_json = self.engine._world_mod.catalogue_plans()
            for info in infos:
                try:
                    core.layer_infos[info["id"]] = LayerInfo.model_validate(info)
                except ValueError:
                    log.warning("drill layer %s has an unreadable description", info.get("id"))
            core._publish_layers(docs)
            if plans_json:
                core._publish_plans(PlanList.model_validate_json(plans_json))
        except Exception:  # noqa: BLE001 - a drill without its map still runs
            log.exception("drill layers/plans could not be loaded")

    # ------------------------------------------------------------------ controls (the drill bar calls these)

    def toggle_pause(self) -> bool:
        """Pause or resume the virtual clock; True when now paused."""
        paused = self.clock.toggle()
        self._wake()
        return paused

    def set_speed(self, speed: float) -> float:
        value = self.clock.set_speed(speed)
        self._wake()
        return value

    def faster(self) -> float:
        value = self.clock.faster()
        self._wake()
        return value

    def slower(self) -> float:
        value = self.clock.slower()
        self._wake()
        return value

    def jump_next(self) -> float | None:
        """Move the clock to the next inject; its virtual time, or None when none is left."""
        nxt = self.engine.next_inject_at(max(self.engine.now_s, self.clock.now_s()))
        if nxt is not None:
            self.clock.jump_to(nxt)
            self._wake()
        return nxt

    def _wake(self) -> None:
        if self.source is not None:
            self.source.wake()

    def status(self) -> DrillStatus:
        """What the drill bar shows: clock, speed, progress, the score so far."""
        e = self.engine
        try:
            percent: float | None = score(e).percent
        except Exception:  # noqa: BLE001 - a score that cannot be computed is shown as absent
            log.exception("drill score failed")
            percent = None
        return DrillStatus(title=e.scenario.title, now_s=e.now_s, duration_s=e.duration, speed=self.clock.speed,
                           paused=self.clock.paused, finished=e.finished, injects_done=e.injects_done(),
                           injects_total=e.inject_count or len(e.produced), score_percent=percent,
                           next_inject_s=e.next_inject_at(e.now_s), scenario_time=e.world.now(),
                           report=self.report_path)

    def write_report(self, out_dir: Path | None = None, *, pdf: bool = True) -> Path:
        """Report and final state of the drill so far into ``out_dir`` (default: the drill's folder)."""
        from console.drill.report import write_report

        out = out_dir or (self.work_dir / "report")
        result = self.result()
        out.mkdir(parents=True, exist_ok=True)
        (out / "state.json").write_text(result.state_json + "\n", encoding="utf-8")
        write_report(self, result, out, render_pdf=self.render_pdf if pdf else None)
        self.report_path = out / "report.html"
        return self.report_path

    # ------------------------------------------------------------------ results

    def result(self) -> DrillResult:
        sc = score(self.engine)
        state = self.engine.final_state()
        state["score"] = sc.as_dict()
        text = json.dumps(state, ensure_ascii=False, sort_keys=True, indent=1)
        return DrillResult(sc, state, text, time.monotonic() - self._started_wall, self.engine.emitted)

    def close(self) -> None:
        from console import exports

        exports.DRILL_MARK = None
        self.engine.close()


async def run_headless(path: str | Path, out_dir: str | Path, *, speed: float = 0.0,
                       work_dir: str | Path | None = None, pdf: bool = True,
                       render_pdf: PdfRenderer | None = None) -> DrillResult:
    """Run a drill with no windows (scripted responses on), write the report and the final state.

    ``speed`` > 0 paces the run on the wall clock (60 = one virtual minute per second);
    0 runs as fast as possible. The outcome does not depend on it. The PDF needs
    ``render_pdf`` (the view layer's, ``widgets.pdf.render_pdf``); without it, HTML only.
    """
    from console.drill.report import write_report
    from console.runtime import ConsoleConfig, ConsoleCore

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    session = DrillSession(path, work_dir if work_dir is not None else out / "drill-data", paced=False,
                           scripted=True, pace_speed=speed or None, base_map=False)  # no map to draw
    core = ConsoleCore(ConsoleConfig(**session.console_config_fields()))
    try:
        await core.start()
        if session.source is None:  # a core without the drill hook: attach by hand
            session.attach(core)
        await session.source.finished.wait()
        core.ingest.flush()
        result = session.result()
        (out / "state.json").write_text(result.state_json + "\n", encoding="utf-8")
        write_report(session, result, out, render_pdf=render_pdf if pdf else None)
        return result
    finally:
        await core.stop()
        session.close()

