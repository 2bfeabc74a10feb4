"""``pingshan-console tiles``: prefetch, import and inspect MBTiles files headless (:func:`main_tiles`)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Sequence

from console.tiles.areas import MAX_TILES_PER_JOB, BBox, estimate_area, format_bytes, parse_bbox, parse_zoom
from console.tiles.prefetch import PrefetchProgress, prefetch, sample_tile_bytes
from console.tiles.service import TILE_CACHE_FILE, TILE_SOURCE_FILE
from console.tiles.sources import TileSource, TileSourceError, parse_header
from offline_cache.tiles import MBTilesStore, TileStoreError


def _tiles_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pingshan-console tiles", description="离线地图瓦片：预下载、导入、查看")
    sub = p.add_subparsers(dest="action", required=True)
    pre = sub.add_parser("prefetch", help="下载一个范围的瓦片到 MBTiles 文件（可中断、可续传）")
    pre.add_argument("--source", required=True, help="瓦片地址模板，如 http://host/tiles/{z}/{x}/{y}.png")
    pre.add_argument("--kind", choices=("xyz", "wmts"), default="xyz", help="瓦片服务类型（缺省 xyz）")
    pre.add_argument("--header", action="append", default=[], help="附加请求头，如 \"Authorization: Bearer …\"")
    pre.add_argument("--gcj02", action="store_true", help="瓦片为 GCJ-02 坐标（叠加图层将换算）")
    pre.add_argument("--bbox", required=True, help="西,南,东,北（经纬度）")
    pre.add_argument("--zoom", required=True, help="缩放级别范围，如 12-16")
    pre.add_argument("--out", required=True, type=Path, help="输出的 .mbtiles 文件（已存在则续传）")
    pre.add_argument("--concurrency", type=int, default=6)
    pre.add_argument("--yes", action="store_true", help="不等待确认（脚本用）")
    imp = sub.add_parser("import", help="把现有 MBTiles 文件导入瓦片缓存")
    imp.add_argument("file", type=Path)
    imp.add_argument("--into", type=Path, default=None, help="目标缓存文件（缺省为值班台缓存目录的 tiles.mbtiles）")
    imp.add_argument("--replace", action="store_true", help="覆盖已有的同位置瓦片")
    info = sub.add_parser("info", help="显示 MBTiles 文件的元数据与瓦片数")
    info.add_argument("file", type=Path)
    src = sub.add_parser("source", help="设置/查看本席位地图的瓦片服务（写入缓存目录的 tile_source.json）")
    src.add_argument("--cache", type=Path, default=None, help="值班台缓存目录（缺省同值班台）")
    src.add_argument("--url", default=None, help="瓦片地址模板；不给则显示当前设置")
    src.add_argument("--kind", choices=("xyz", "wmts"), default="xyz")
    src.add_argument("--header", action="append", default=[], help="附加请求头，如 \"Authorization: Bearer …\"")
    src.add_argument("--gcj02", action="store_true", help="瓦片为 GCJ-02 坐标（叠加图层将换算）")
    src.add_argument("--name", default="底图")
    src.add_argument("--clear", action="store_true", help="删除设置，恢复为网关的 /tiles")
    return p


def _default_cache_dir() -> Path:
    import os

    env = os.environ.get("PINGSHAN_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".local" / "share" / "pingshan-console"


def _default_cache_file() -> Path:
    return _default_cache_dir() / TILE_CACHE_FILE


def _source_cli(args: argparse.Namespace) -> int:
    import os

    conf = (args.cache or _default_cache_dir()) / TILE_SOURCE_FILE
    if args.clear:
        conf.unlink(missing_ok=True)
        print("已恢复为网关的瓦片服务（/tiles/{z}/{x}/{y}.png）")
        return 0
    if args.url is None:
        if not conf.is_file():
            print("未单独设置：使用网关的瓦片服务（/tiles/{z}/{x}/{y}.png）")
            return 0
        doc = TileSource.from_json(json.loads(conf.read_text(encoding="utf-8"))).to_json()
        doc["headers"] = {k: "***" for k in doc["headers"]}  # never print credentials
        print(json.dumps(doc, ensure_ascii=False))
        return 0
    source = TileSource(url=args.url, kind=args.kind, headers=dict(parse_header(h) for h in args.header),
                        gcj02=args.gcj02, name=args.name)
    conf.parent.mkdir(parents=True, exist_ok=True)
    tmp = conf.with_suffix(".tmp")
    tmp.write_text(json.dumps(source.to_json(), ensure_ascii=False, indent=1), encoding="utf-8")
    os.chmod(tmp, 0o600)  # may hold an auth header
    os.replace(tmp, conf)
    print(f"已设置瓦片服务：{source.url}（{source.kind}{'，GCJ-02' if source.gcj02 else ''}），重启值班台生效")
    return 0


def _print_info(path: Path) -> int:
    if not path.is_file():
        print(f"错误：文件不存在：{path}", file=sys.stderr)
        return 1
    store = MBTilesStore(path, read_only=True)
    try:
        info = store.info()
    finally:
        store.close()
    print(f"文件：{info.path}")
    for key in ("name", "format", "bounds", "minzoom", "maxzoom", "center", "type", "version"):
        if key in info.metadata:
            print(f"{key}: {info.metadata[key]}")
    print(f"瓦片：{info.tiles} 块，{format_bytes(info.bytes)}")
    for z, n in info.per_zoom.items():
        print(f"  z{z}: {n}")
    job = info.metadata.get("pingshan_prefetch")
    if job:
        print(f"预下载任务：{job}")
    return 0


def main_tiles(argv: Sequence[str]) -> int:
    """``pingshan-console tiles prefetch|import|info …``; exit 0 ok, 1 error, 130 interrupted."""
    args = _tiles_parser().parse_args(list(argv))
    try:
        if args.action == "info":
            return _print_info(args.file)
        if args.action == "import":
            target = args.into or _default_cache_file()
            store = MBTilesStore(target)
            try:
                report = store.import_package(args.file, replace=args.replace)
                print(f"{report.describe()}，目标 {target}")
            finally:
                store.close()
            return 0
        if args.action == "source":
            return _source_cli(args)
        headers = dict(parse_header(h) for h in args.header)
        source = TileSource(url=args.source, kind=args.kind, headers=headers, gcj02=args.gcj02)
        bbox = parse_bbox(args.bbox)
        zmin, zmax = parse_zoom(args.zoom)
        return asyncio.run(_prefetch_cli(source, bbox, zmin, zmax, args.out, args.concurrency))
    except (TileSourceError, TileStoreError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\n已中断：已下载的瓦片已保存，重新运行同一命令即可续传", file=sys.stderr)
        return 130


async def _prefetch_cli(source: TileSource, bbox: BBox, zmin: int, zmax: int, out: Path, concurrency: int) -> int:
    store = MBTilesStore(out)
    try:
        avg = await sample_tile_bytes(source, bbox, zmin, zmax, store)
        est = estimate_area(store, bbox, zmin, zmax, bytes_per_tile=avg)
        print(f"预计：{est.describe()}（z{zmin}–{zmax}，范围 {bbox[0]},{bbox[1]},{bbox[2]},{bbox[3]}）", flush=True)
        if est.tiles > MAX_TILES_PER_JOB:
            raise TileSourceError(f"区域过大：{est.tiles} 块瓦片（上限 {MAX_TILES_PER_JOB}）")
        step = max(1, est.tiles // 20)
        shown = {"next": 0}

        def report(p: PrefetchProgress) -> None:
            if p.done >= shown["next"] or p.finished or p.cancelled:
                shown["next"] = p.done + step
                print(f"进度 {p.done}/{p.total}（{p.fraction:.0%}）已下载 {p.fetched} 块 {format_bytes(p.bytes)}"
                      f"，跳过已有 {p.skipped}，失败 {p.failed}", flush=True)

        state = await prefetch(store, source, bbox, zmin, zmax, progress=report, concurrency=concurrency)
        for err in state.errors[:5]:
            print(f"失败：{err}", file=sys.stderr)
        print(f"完成：{out} 共 {store.count()} 块瓦片，{format_bytes(store.total_bytes())}", flush=True)
        return 0 if not state.failed else 1
    finally:
        store.close()
