"""Headless commands: no Qt, plain asyncio.

``schema --out DIR``
    one JSON Schema file per model of ``console.models.wire_models()`` plus the
    feed's ``openapi.json`` (taken from ``python -m simulator.server openapi`` in a
    subprocess: the core never imports the simulator).
``record --backend URL [--backend URL …] --seconds N --jsonl OUT [--cache DIR] [--scope STREET]``
    runs the console core for N seconds and writes every accepted envelope as one
    JSON line; the last line printed is exactly ``accepted=N rejected=M``. Several
    ``--backend`` are replicas of one district, used in order: when one stops answering
    the recording goes on from the next, with no gap and no repeat.
    With ``--package FILE.drill`` the recorded window is also written as a drill package.
``replay --jsonl IN [--speed X] [--cache DIR]``
    plays a recording through Ingest (validation, journal) and prints
    ``played=N skipped=M``.
``audit verify --cache DIR [--against URL --user NAME]``
    handed to :func:`console.audit.main_audit` (checks the audit hash chain, and with
    ``--against`` every head the gateway anchored for the seat; exit codes there).
``drill run|validate|pack|cut …``
    handed to :func:`console.drill.cli.main` (offline drills).
``cap FILE...``
    handed to :func:`console.cap.main_cap`: one JSON line per valid CAP 1.2 file, the
    error (element and reason) for an invalid one, exit 1 if any is invalid.

``layers check FILE...``
    handed to :func:`console.geojson_check.main_layers`: exit 0 when every GeoJSON file
    can be imported, else each feature's problems and exit 1.
``tiles prefetch|import|info …``
    handed to :func:`console.tiles.main_tiles` (offline base-map tiles, MBTiles).

``widgets.shell.app`` sends these subcommands here (``HEADLESS_COMMANDS``) before any
QApplication exists, with its PDF renderer (``widgets.pdf``: the core draws no PDF);
``python -m console.cli …`` works too, writing HTML reports only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO, Sequence

from pydantic import TypeAdapter

from console.models import Envelope, wire_models
from console.printable import PdfRenderer

SUBCOMMAND_HELP: dict[str, str] = {
    "record": "无界面运行核心，把网关的消息录制为 JSONL · record a gateway's stream headless to JSONL",
    "replay": "回放 JSONL 录制（校验并写入本地日志） · play a recording through ingest",
    "schema": "导出接口约定：JSON Schema 与 OpenAPI · write the wire contract's JSON Schema and OpenAPI",
    "audit": "audit verify：校验审计哈希链 · verify the hash-chained audit log",
    "cap": "检查并汇总 CAP 1.2 预警文件 · check and summarise CAP 1.2 warning files",
    "layers": "layers check：检查 GeoJSON 图层能否导入 · check GeoJSON layer files",
    "tiles": "离线地图瓦片 prefetch/import/info/source · offline map tiles (MBTiles)",
    "drill": "离线演练 run/validate/pack/cut · offline drills",
}
"""Each headless subcommand with its one-line help (Chinese · English), in the order ``--help`` lists them."""

HEADLESS_COMMANDS: frozenset[str] = frozenset(SUBCOMMAND_HELP)
"""Subcommands ``widgets.shell.app`` hands to :func:`main_headless`."""


def subcommands_epilog() -> str:
    """The list of subcommands that ``pingshan-console --help`` prints after the options."""
    rows = dict(SUBCOMMAND_HELP)
    rows["street-node"] = ("街道分中心节点（仅打包版；源码用 pingshan-gateway street-node） · "
                           "a street sub-centre's node, packaged bundle only")
    width = max(len(name) for name in rows)
    lines = ["子命令 · subcommands (pingshan-console <子命令> --help):"]
    lines += [f"  {name:<{width}}  {text}" for name, text in rows.items()]
    return "\n".join(lines)

_PROJECT_ROOT = Path(__file__).resolve().parent.parent
OPENAPI_TIMEOUT_S = 120.0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pingshan-console", description="坪山区城市运行指挥台 — 无界面命令",
                                epilog=subcommands_epilog(), formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    schema = sub.add_parser("schema", help="导出接口约定：JSON Schema 与 OpenAPI")
    schema.add_argument("--out", type=Path, required=True, help="输出目录")
    record = sub.add_parser("record", help="连接网关并把收到的有效消息录制为 JSONL")
    record.add_argument("--backend", required=True, action="append",
                        help="网关地址，如 http://127.0.0.1:8765；可重复给出同一区的多个网关副本，按顺序故障切换")
    record.add_argument("--seconds", type=float, required=True, help="录制时长（秒）")
    record.add_argument("--jsonl", type=Path, required=True, help="输出的 JSONL 文件")
    record.add_argument("--cache", type=Path, default=None, help="本地缓存目录（缺省用临时目录）")
    record.add_argument("--scope", default=None, help="街道 id，缺省为全区")
    record.add_argument("--verify", default=None, help="自签 CA 证书路径（https）")
    record.add_argument("--user", default=None, help="登录用户名（网关要求登录时；密码从标准输入读取）")
    record.add_argument("--package", type=Path, default=None, help="同时把录制窗口写成演练包（.drill）")
    replay = sub.add_parser("replay", help="回放 JSONL 录制文件（校验并写入本地日志）")
    replay.add_argument("--jsonl", type=Path, required=True)
    replay.add_argument("--speed", type=float, default=0.0, help="回放倍速，0 = 尽快")
    replay.add_argument("--cache", type=Path, default=None)
    return p


# --------------------------------------------------------------------------- schema


def write_schemas(out: Path) -> list[Path]:
    """Write ``<Model>.schema.json`` per wire model and ``openapi.json``; return the paths."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, model in wire_models().items():
        schema = TypeAdapter(model).json_schema()
        schema.setdefault("title", name)
        path = out / f"{name}.schema.json"
        path.write_text(json.dumps(schema, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_PROJECT_ROOT), env.get("PYTHONPATH", "")) if p)
    proc = subprocess.run([sys.executable, "-m", "simulator.server", "openapi"], capture_output=True,
                          env=env, cwd=str(_PROJECT_ROOT), timeout=OPENAPI_TIMEOUT_S, check=False)
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", errors="replace")[-1000:]
        raise RuntimeError(f"OpenAPI 生成失败（退出码 {proc.returncode}）：{tail}")
    doc = json.loads(proc.stdout)  # validate before writing
    path = out / "openapi.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    written.append(path)
    return written


# --------------------------------------------------------------------------- record


class _JsonlRecorder:
    """A handler of ``ingest.envelope_accepted`` writing each accepted envelope as one JSON line.

    The line is the envelope's JSON exactly as the gateway sent it when Ingest
    hands it over (so a replay sees the same bytes), else the model's dump.
    """

    def __init__(self, fh: IO[str]) -> None:
        self.fh = fh
        self.lines = 0

    def __call__(self, envelope: Envelope, body: str | None = None) -> None:
        text = body if isinstance(body, str) and "\n" not in body and "\r" not in body else envelope.model_dump_json()
        self.fh.write(text)
        self.fh.write("\n")
        self.lines += 1


async def record(backend: str | list[str], seconds: float, jsonl: Path, cache: Path | None,
                 scope: str | None = None, verify: str | None = None,
                 user: str | None = None, password: str | None = None) -> tuple[int, int]:
    """Run the core headless for ``seconds``; returns (accepted, rejected).

    With ``user`` it logs in first (the token stays in memory, see console.auth). ``backend``
    may list several gateways of the district (replicas), preferred first."""
    from console.auth import bind_core, headless_login
    from console.runtime import ConsoleConfig, ConsoleCore  # the core, only when recording

    backends = [backend] if isinstance(backend, str) else list(backend)
    session, auth = await headless_login(backends, verify or True, user, password)
    if scope is not None:
        auth.pop("scope", None)  # an explicit --scope is asked for (a street seat gets 403 outside its street)

    tmp: tempfile.TemporaryDirectory[str] | None = None
    if cache is None:
        tmp = tempfile.TemporaryDirectory(prefix="pingshan-record-")
        cache = Path(tmp.name)
    jsonl.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(jsonl, "w", encoding="utf-8", newline="\n") as fh:
            core = ConsoleCore(ConsoleConfig(**{"backend_url": backends[0], "backend_urls": tuple(backends[1:]),
                                                "cache_dir": cache, "scope": scope,
                                                "verify": verify or True, "fetch_catalogues": False, **auth}))
            recorder = _JsonlRecorder(fh)
            try:
                await core.start()
                if session is not None:
                    bind_core(session, core)
                core.ingest.envelope_accepted.connect(recorder)
                await asyncio.sleep(seconds)
            finally:
                await core.stop()
            conn = core.picture.connection
            if recorder.lines == 0 and conn.state != "live":
                print(f"未录到数据：{conn.detail or conn.state}", file=sys.stderr)
            return recorder.lines, int(getattr(core.ingest, "rejected", 0))
    finally:
        if tmp is not None:
            tmp.cleanup()
        if session is not None:
            await session.aclose()


async def replay(jsonl: Path, speed: float, cache: Path | None) -> tuple[int, int]:
    """Play a JSONL recording through a fresh Ingest; returns (played, skipped)."""
    from console.runtime import ConsoleConfig, ConsoleCore
    from console.source import ReplaySource

    tmp: tempfile.TemporaryDirectory[str] | None = None
    if cache is None:
        tmp = tempfile.TemporaryDirectory(prefix="pingshan-replay-")
        cache = Path(tmp.name)
    try:
        core = ConsoleCore(ConsoleConfig(backend_url=None, cache_dir=cache))
        try:
            await core.start()
            source = ReplaySource(jsonl, core.ingest, core.picture, speed=speed)
            await source.run()
        finally:
            await core.stop()
        return source.played, source.skipped
    finally:
        if tmp is not None:
            tmp.cleanup()


# --------------------------------------------------------------------------- entry


def main_headless(argv: Sequence[str], *, render_pdf: PdfRenderer | None = None) -> int:
    """Run one headless subcommand; returns the process exit code. ``render_pdf`` (the view
    layer's PDF renderer, which ``widgets.shell.app`` passes) draws the PDFs a subcommand writes."""
    argv = list(argv)
    if argv and argv[0] == "audit":
        from console.audit import main_audit  # its own parser and exit codes

        return int(main_audit(argv[1:]))
    if argv and argv[0] == "cap":
        from console.cap import main_cap  # its own parser and exit codes

        return int(main_cap(argv[1:]))
    if argv and argv[0] == "layers":
        from console.geojson_check import main_layers  # layers check FILE...

        return int(main_layers(argv[1:]))
    if argv and argv[0] == "tiles":
        from console.tiles import main_tiles  # prefetch / import / info of MBTiles files

        return int(main_tiles(argv[1:]))
    if argv and argv[0] == "drill":
        from console.drill.cli import main as main_drill  # run / validate / pack / cut (issue 8)

        return int(main_drill(argv[1:], render_pdf=render_pdf))
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        if args.command == "schema":
            for path in write_schemas(args.out):
                print(path)
            return 0
        if args.command == "record":
            password = sys.stdin.readline().rstrip("\r\n") if args.user else None
            accepted, rejected = asyncio.run(record(args.backend, args.seconds, args.jsonl, args.cache,
                                                    args.scope, args.verify, args.user, password))
            if args.package is not None:
                from console.drill.package import recorded_package

                print(f"package={recorded_package(args.jsonl, args.package)}")
            print(f"accepted={accepted} rejected={rejected}", flush=True)
            return 0
        if args.command == "replay":
            played, skipped = asyncio.run(replay(args.jsonl, args.speed, args.cache))
            print(f"played={played} skipped={skipped}", flush=True)
            return 0
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - a command-line tool reports, it does not dump
        logging.getLogger(__name__).debug("headless command failed", exc_info=True)
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m console.cli <command> …``."""
    return main_headless(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    sys.exit(main())
