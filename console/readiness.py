"""A gateway's readiness, in one line for the self-check (``/readyz``): ready or not, the
node, and for a street node its link to the district."""

from __future__ import annotations

from typing import Any

import httpx

from console.gateway import GatewayError, error_text, trust_for


async def readiness(base_url: str, verify: Any = True, timeout_s: float = 5.0) -> str:
    """One line on a gateway's ``/readyz`` for the self-check: ready, the node, the district link.

    Raises :class:`GatewayError` (with a Chinese message) when it cannot be asked.
    """
    try:
        async with httpx.AsyncClient(verify=trust_for(verify), timeout=timeout_s) as client:
            r = await client.get(base_url.rstrip("/") + "/readyz")
    except httpx.HTTPError as exc:
        raise GatewayError(error_text(exc)) from exc
    try:
        doc = r.json()
    except ValueError:
        raise GatewayError(f"/readyz 返回的不是 JSON（HTTP {r.status_code}）") from None
    state = "就绪" if r.status_code == 200 and doc.get("ready") else f"未就绪（HTTP {r.status_code}）"
    link = doc.get("district_link")
    if link is None:
        return f"{state}，节点 {doc.get('node', '区中心')}"
    return f"{state}，街道节点 {doc.get('node')}，区中心链路：" + ("已连接" if link == "linked" else "断开（本街道自主处置）")
