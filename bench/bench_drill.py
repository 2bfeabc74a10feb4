"""Drill replay speed: the longest shipped scenario, headless, as fast as it goes.

For each run: envelopes played through the console's Ingest (validation, journal,
picture) and the local arbiter, the scenario's virtual seconds, the wall seconds,
and from them envelopes per virtual second (the scenario's density), wall-clock
envelopes per second, and how many virtual seconds pass per wall second (the
speed-up a 60× clock needs is 60).  ``--dense N`` also runs the scenario with N
background readings a minute ticked every virtual second (one reading batch per street
per second: many more envelopes), to show the ceiling.

    .venv/bin/python bench/bench_drill.py [--runs 3] [--dense 600]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def longest() -> Path:
    from console.drill.scenario import load_scenario

    return max(sorted((ROOT / "resources" / "scenarios").glob("*.yaml")), key=lambda p: load_scenario(p).duration)


def one_run(path: Path, work: Path, pdf: bool) -> tuple[int, float, float, float]:
    from console.drill.session import run_headless

    t0 = time.perf_counter()
    result = asyncio.run(run_headless(path, work, pdf=pdf))
    wall = time.perf_counter() - t0
    return result.envelopes, float(result.state["virtual_time_s"]), wall, result.score.percent


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dense", type=int, default=600, help="background readings a minute for the dense run (0 = skip)")
    args = ap.parse_args()
    path = longest()
    variants = [("as shipped", path)]
    with tempfile.TemporaryDirectory(prefix="bench-drill-") as tmp:
        if args.dense:
            text = path.read_text(encoding="utf-8")
            dense = Path(tmp) / "dense.yaml"
            import re

            text = re.sub(r"readings_per_min: \d+", f"readings_per_min: {args.dense}", text)
            dense.write_text(re.sub(r"tick: \w+", "tick: 1s", text), encoding="utf-8")
            variants.append((f"{args.dense}/min, 1 s tick", dense))
        print(f"scenario: {path.name} (longest shipped); headless, scripted responses, HTML report; "
              f"{args.runs} runs each, median")
        print(f"{'variant':<22}{'envelopes':>10}{'virtual s':>11}{'wall s':>9}{'env/virtual s':>15}"
              f"{'env/wall s':>12}{'virtual s/wall s':>18}{'score':>7}")
        for name, p in variants:
            rows = [one_run(p, Path(tmp) / f"{name}-{n}".replace(" ", "_").replace("/", "_"), pdf=False)
                    for n in range(args.runs)]
            env = rows[0][0]
            virt = rows[0][1]
            wall = statistics.median(r[2] for r in rows)
            assert all(r[0] == env and r[3] == rows[0][3] for r in rows), "runs differ: not deterministic"
            print(f"{name:<22}{env:>10}{virt:>11.0f}{wall:>9.2f}{env / virt:>15.2f}{env / wall:>12.0f}"
                  f"{virt / wall:>18.0f}{rows[0][3]:>7.1f}")
        t0 = time.perf_counter()
        one_run(path, Path(tmp) / "pdf", pdf=True)
        print(f"with the PDF report too: {time.perf_counter() - t0:.2f} s wall (one run)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
