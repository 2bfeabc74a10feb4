"""``pingshan-console cap FILE...``: one JSON line per valid CAP 1.2 file (:func:`main_cap`)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence


from console.models import Alert
from console.cap.mapping import cap_to_alert
from console.cap.model import CapAlert, CapError
from console.cap.parse import parse_cap

def describe(cap: CapAlert, alert: Alert) -> dict[str, Any]:
    """The JSON object ``pingshan-console cap`` prints for one message."""
    return {
        "msg_type": cap.msg_type,
        "status": cap.status,
        "references": [f"{r.sender},{r.identifier},{r.sent.isoformat()}" for r in cap.references],
        "alert": alert.model_dump(mode="json"),
        "infos": [
            {
                "language": i.language,
                "event": i.event,
                "headline": i.headline,
                "severity": i.severity,
                "colour": i.colour,
                "areas": [{"areaDesc": a.area_desc, "features": a.features(),
                           "geocodes": [{"valueName": g.value_name, "value": g.value} for g in a.geocodes]}
                          for a in i.areas],
            }
            for i in cap.infos
        ],
    }


def main_cap(argv: Sequence[str] | None = None) -> int:
    """``pingshan-console cap FILE...``: one JSON line per valid file; exit 1 if any is invalid."""
    parser = argparse.ArgumentParser(prog="pingshan-console cap",
                                     description="解析并校验 CAP 1.2 预警文件")
    parser.add_argument("files", nargs="+", metavar="FILE")
    args = parser.parse_args(list(argv) if argv is not None else None)
    failed = False
    received_at = datetime.now(timezone.utc)
    for name in args.files:
        try:
            data = Path(name).read_bytes()
        except OSError as exc:
            print(f"{name}: 无法读取文件：{exc.strerror or exc}", file=sys.stderr)
            failed = True
            continue
        try:
            cap = parse_cap(data)
        except CapError as exc:
            print(f"{name}: {exc}", file=sys.stderr)
            failed = True
            continue
        line = {"file": name, **describe(cap, cap_to_alert(cap, received_at=received_at))}
        print(json.dumps(line, ensure_ascii=False))
    return 1 if failed else 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main_cap())
