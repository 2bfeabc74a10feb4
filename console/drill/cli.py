"""``pingshan-console drill …``: headless drill commands.

``drill run SCENARIO_OR_PACKAGE [--speed N] [--headless] --report OUT``
    runs the drill with its scripted responses and no windows; writes
    ``OUT/report.html``, ``OUT/report.pdf`` (drawn by the renderer the view layer
    hands in: ``pingshan-console``) and ``OUT/state.json``; prints
    ``score=… envelopes=… virtual_s=… wall_s=…``.
``drill validate FILE…``
    checks scenarios; each fault is printed with its line and field; exit 1 if any.
``drill pack SCENARIO --out FILE.drill [--clips N]``
    a scripted drill package: the script, layers, plans, map tiles and camera clips.
``drill cut JOURNAL_OR_CACHE --from ISO --to ISO --out FILE.drill``
    a recorded drill package from a live session's journal (or a ``record`` JSONL),
    read-only: the live cache is never changed.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path
from typing import Sequence

from console.drill.package import PackageError
from console.drill.scenario import ScenarioError
from console.printable import PdfRenderer


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pingshan-console drill", description="演练：运行、校验、打包、截取")
    sub = p.add_subparsers(dest="action", required=True)
    run = sub.add_parser("run", help="无界面运行演练并生成评估报告")
    run.add_argument("scenario", type=Path, help="演练脚本（.yaml）或演练包（.drill）")
    run.add_argument("--speed", type=float, default=0.0, help="倍速 1–60（按墙钟节奏）；0 = 尽快（结果相同）")
    run.add_argument("--headless", action="store_true", help="不开窗口（drill run 总是无界面）")
    run.add_argument("--report", type=Path, required=True, help="报告输出目录")
    run.add_argument("--work", type=Path, default=None, help="演练数据目录（缺省为 报告目录/drill-data）")
    run.add_argument("--no-pdf", action="store_true", help="只写 HTML 报告")
    val = sub.add_parser("validate", help="校验演练脚本")
    val.add_argument("files", type=Path, nargs="+")
    pack = sub.add_parser("pack", help="把演练脚本连同图层、预案、地图瓦片、视频片段打成演练包")
    pack.add_argument("scenario", type=Path)
    pack.add_argument("--out", type=Path, required=True)
    pack.add_argument("--clips", type=int, default=2, help="视频片段个数（每个约 2 秒）")
    cut = sub.add_parser("cut", help="从实况会话的日志截取一段作为演练包")
    cut.add_argument("source", type=Path, help="值班台缓存目录、console.sqlite 或 record 的 JSONL")
    cut.add_argument("--from", dest="t_from", required=True, help="开始时间（ISO 8601，带时区）")
    cut.add_argument("--to", dest="t_to", required=True, help="结束时间（ISO 8601，带时区）")
    cut.add_argument("--out", type=Path, required=True)
    return p


def main(argv: Sequence[str], *, render_pdf: PdfRenderer | None = None) -> int:
    """``drill …``; ``render_pdf`` (the view layer's) draws ``report.pdf`` of ``drill run``:
    ``pingshan-console`` passes it, ``python -m console.cli`` has none and writes HTML only."""
    args = _parser().parse_args(list(argv))
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        if args.action == "validate":
            from console.drill.scenario import load_scenario

            bad = 0
            for f in args.files:
                try:
                    s = load_scenario(f)
                    print(f"{f.name}: 有效（{len(s.injects)} 项注入，{len(s.responses)} 项脚本响应，{s.duration / 60:.0f} 分钟）")
                except ScenarioError as exc:
                    bad += 1
                    print(str(exc), file=sys.stderr)
            return 1 if bad else 0
        if args.action == "run":
            from console.drill.session import run_headless

            if args.speed and not 1 <= args.speed <= 60:
                print("错误：--speed 须在 1–60 之间（0 = 尽快）", file=sys.stderr)
                return 2
            if render_pdf is None and not args.no_pdf:
                print("注意：未生成 PDF（PDF 由界面层绘制，请用 pingshan-console drill run）", file=sys.stderr)
            result = asyncio.run(run_headless(args.scenario, args.report, speed=args.speed, work_dir=args.work,
                                              pdf=not args.no_pdf, render_pdf=render_pdf))
            st = result.state
            print(f"report={args.report / 'report.html'} state={args.report / 'state.json'}")
            print(f"score={result.score.percent:.1f} envelopes={result.envelopes} virtual_s={st['virtual_time_s']:.0f} "
                  f"wall_s={result.wall_s:.2f}", flush=True)
            return 0
        if args.action == "pack":
            from console.drill.package import pack_scenario

            out = pack_scenario(args.scenario, args.out, clips=args.clips)
            print(out)
            return 0
        if args.action == "cut":
            from console.drill.package import cut_journal

            out, n = cut_journal(args.source, args.t_from, args.t_to, args.out)
            print(f"{out} envelopes={n}")
            return 0
    except (ScenarioError, PackageError) as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - a command-line tool reports, it does not dump
        logging.getLogger(__name__).debug("drill command failed", exc_info=True)
        print(f"错误：{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 2
