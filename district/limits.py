"""Limits on what a caller may send: one command's size, its text fields and its ids.

A note of 10 MB once poisoned an alert for every console (each later update was over
the consoles' message limit). Servers refuse oversize bodies with 413 and oversize
fields with 422, saying which limit was passed.
"""

from __future__ import annotations

import json
from typing import Any

MAX_BODY_BYTES = 64 * 1024
"""A whole ``POST /api/v1/commands`` body (413 above)."""
MAX_TEXT_CHARS = 2000
"""Any free-text argument: note, result, feedback, instruction, reason, title (422 above)."""
MAX_ID_CHARS = 64
"""Any id a command names: target, unit, into, task, step, resource."""
MAX_ARGS = 24
"""Keys in ``args``."""
MAX_LIST_ITEMS = 50
"""Entries in a list argument (resources)."""
MAX_ARGS_BYTES = 16 * 1024
"""``args`` as JSON."""

TEXT_FIELDS = ("text", "result", "feedback", "instruction", "reason", "note", "title")
ID_FIELDS = ("unit", "into", "task_id", "step_id", "plan_id", "street")


def command_problem(target_id: str, args: dict[str, Any]) -> str | None:
    """A Chinese reason when a command's target or arguments pass a limit, else None."""
    if len(target_id) > MAX_ID_CHARS:
        return f"目标编号过长（最多 {MAX_ID_CHARS} 个字符）"
    if len(args) > MAX_ARGS:
        return f"指令参数过多（最多 {MAX_ARGS} 项）"
    try:
        size = len(json.dumps(args, ensure_ascii=False).encode("utf-8"))
    except (TypeError, ValueError):
        return "指令参数无法编码"
    if size > MAX_ARGS_BYTES:
        return f"指令参数过大（{size} 字节，最多 {MAX_ARGS_BYTES} 字节）"
    for key in TEXT_FIELDS:
        value = args.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            return f"参数 {key} 须为文本"
        if len(value) > MAX_TEXT_CHARS:
            return f"参数 {key} 过长（{len(value)} 字，最多 {MAX_TEXT_CHARS} 字）"
    for key in ID_FIELDS:
        value = args.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > MAX_ID_CHARS):
            return f"参数 {key} 须为不超过 {MAX_ID_CHARS} 个字符的编号"
    resources = args.get("resources")
    if resources is not None:
        if not isinstance(resources, list) or len(resources) > MAX_LIST_ITEMS:
            return f"参数 resources 须为不超过 {MAX_LIST_ITEMS} 项的列表"
        if any(not isinstance(r, str) or len(r) > MAX_ID_CHARS for r in resources):
            return f"参数 resources 的每一项须为不超过 {MAX_ID_CHARS} 个字符的编号"
    return None
