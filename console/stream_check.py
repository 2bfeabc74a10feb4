"""Why a camera stream did not open: a short conversation with the camera or gateway.

The player (QtMultimedia's FFmpeg) reports every failed open as the same "Could not
open file"; the reason (a wrong password, a channel that does not exist, a port that
nobody listens on) stays in FFmpeg's log.  When a tile cannot open its stream, the
wall asks :func:`diagnose` once, on a worker thread: one RTSP ``DESCRIBE`` (with the
URL's credentials, Basic or Digest as the camera asks) or one HTTP ``GET``.  The
answer is a Chinese reason for the tile and, for a refused login, a long pause before
the next try: cameras lock an account (Hikvision: after 7 failures, for 30 minutes)
when a client keeps retrying a wrong password.  No Qt here.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import socket
from dataclasses import dataclass

import httpx

from console.camera_url import CameraUrl, CameraUrlError, parse_camera_url

AUTH_RETRY_S = 120.0
"""After a refused login, the next try waits this long (the operator fixes the password meanwhile)."""
MAX_REPLY_BYTES = 64 * 1024


@dataclass(frozen=True)
class StreamDiagnosis:
    """What the camera said: a reason for the operator and how long to wait before retrying
    (None: the wall's usual backoff)."""

    reason: str
    retry_after_s: float | None = None
    status: int | None = None


def _rtsp_request(sock: socket.socket, url: str, cseq: int, auth: str | None) -> tuple[int, dict[str, str]]:
    lines = [f"DESCRIBE {url} RTSP/1.0", f"CSeq: {cseq}", "Accept: application/sdp",
             "User-Agent: pingshan-console"]
    if auth:
        lines.append(f"Authorization: {auth}")
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("utf-8"))
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
        if len(data) > MAX_REPLY_BYTES:
            break
    head = data.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace").split("\r\n")
    m = re.match(r"RTSP/\d\.\d\s+(\d{3})", head[0] if head else "")
    if m is None:
        raise ValueError("not an RTSP reply")
    headers: dict[str, str] = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        key = name.strip().lower()
        # Several WWW-Authenticate lines: keep them all, Digest is picked below.
        headers[key] = f"{headers[key]}\n{value.strip()}" if key in headers else value.strip()
    length = int(headers.get("content-length", "0") or 0)
    body = data.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in data else b""
    while len(body) < min(length, MAX_REPLY_BYTES):  # read the body so the next reply starts clean
        chunk = sock.recv(4096)
        if not chunk:
            break
        body += chunk
    return int(m.group(1)), headers


def _authorization(challenges: str, user: str, password: str, uri: str) -> str | None:
    """An Authorization header for the camera's challenge (Digest preferred, else Basic)."""
    for challenge in challenges.split("\n"):
        scheme, _, params = challenge.strip().partition(" ")
        if scheme.lower() != "digest":
            continue
        fields = dict(re.findall(r'(\w+)="?([^",]*)"?', params))
        realm, nonce = fields.get("realm", ""), fields.get("nonce", "")
        ha1 = hashlib.md5(f"{user}:{realm}:{password}".encode()).hexdigest()  # noqa: S324 - RTSP Digest is MD5
        ha2 = hashlib.md5(f"DESCRIBE:{uri}".encode()).hexdigest()  # noqa: S324
        if "auth" in fields.get("qop", "").split(","):
            cnonce, nc = os.urandom(8).hex(), "00000001"
            response = hashlib.md5(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}".encode()).hexdigest()  # noqa: S324
            return (f'Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}", '
                    f'response="{response}", qop=auth, nc={nc}, cnonce="{cnonce}"')
        response = hashlib.md5(f"{ha1}:{nonce}:{ha2}".encode()).hexdigest()  # noqa: S324
        return f'Digest username="{user}", realm="{realm}", nonce="{nonce}", uri="{uri}", response="{response}"'
    if any(c.strip().lower().startswith("basic") for c in challenges.split("\n")):
        return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return None


def _by_status(status: int, reason_phrase: str, parsed: CameraUrl) -> StreamDiagnosis | None:
    if status == 401:
        if parsed.user is None:
            return StreamDiagnosis("摄像机要求用户名和密码（答复 401），地址中没有：请在平台上补全", AUTH_RETRY_S, 401)
        return StreamDiagnosis("用户名或密码错误（摄像机答复 401）：已暂停重试，以免摄像机锁定账号", AUTH_RETRY_S, 401)
    if status == 403:
        return StreamDiagnosis("无权访问该通道（答复 403）", AUTH_RETRY_S, 403)
    if status == 404:
        return StreamDiagnosis("通道不存在（答复 404）：请核对地址中的路径或通道号", None, 404)
    if status >= 400:
        return StreamDiagnosis(f"摄像机答复 {status} {reason_phrase}".rstrip(), None, status)
    return None


def _diagnose_rtsp(parsed: CameraUrl, timeout_s: float) -> StreamDiagnosis | None:
    port = parsed.port or 554
    plain = parsed.without_credentials()
    with socket.create_connection((parsed.host, port), timeout=timeout_s) as sock:
        sock.settimeout(timeout_s)
        status, headers = _rtsp_request(sock, plain, 1, None)
        if status == 401 and parsed.user is not None:
            auth = _authorization(headers.get("www-authenticate", ""), parsed.user, parsed.password or "", plain)
            if auth is not None:
                status, headers = _rtsp_request(sock, plain, 2, auth)
    return _by_status(status, "", parsed)


def _diagnose_http(parsed: CameraUrl, timeout_s: float) -> StreamDiagnosis | None:
    auth = httpx.BasicAuth(parsed.user, parsed.password or "") if parsed.user is not None else None
    plain = parsed.without_credentials()
    with httpx.Client(timeout=timeout_s, trust_env=False, follow_redirects=True, auth=auth) as client:
        with client.stream("GET", plain) as resp:
            return _by_status(resp.status_code, resp.reason_phrase, parsed)


def diagnose(url: str, timeout_s: float = 3.0) -> StreamDiagnosis | None:
    """Ask the camera why ``url`` does not open; None when it answers that all is well
    (the stream exists: the failure was in the media itself).  Blocking: call on a
    worker thread.  Never raises."""
    try:
        parsed = parse_camera_url(url)
    except CameraUrlError as exc:
        return StreamDiagnosis(str(exc))
    if parsed.is_local:
        return None if os.path.isfile(parsed.local_path or "") else StreamDiagnosis("录像文件不存在")
    where = f"{parsed.host}:{parsed.port}" if parsed.port else parsed.host
    try:
        if parsed.scheme == "rtsp":
            return _diagnose_rtsp(parsed, timeout_s)
        if parsed.scheme in ("http", "https"):
            return _diagnose_http(parsed, timeout_s)
        return None  # rtsps: TLS to the camera, nothing more to learn cheaply
    except socket.gaierror:
        return StreamDiagnosis(f"主机名无法解析：{parsed.host}")
    except ConnectionRefusedError:
        return StreamDiagnosis(f"无法连接 {where}：连接被拒绝（设备或平台未开启该端口）")
    except (socket.timeout, TimeoutError, httpx.TimeoutException):
        return StreamDiagnosis(f"连接 {where} 超时")
    except (OSError, ValueError, httpx.HTTPError) as exc:
        return StreamDiagnosis(f"无法连接 {where}：{type(exc).__name__}")
