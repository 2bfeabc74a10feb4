"""Camera stream URLs as gateways and cameras really hand them out, made safe for the
player.  No Qt here: the video wall and the camera directory show what this decides.

Camera passwords hold ``@``, ``#``, ``:``, ``/`` and ``?`` (``rtsp://admin:P@ss#1@host/…``).
A generic URL parser cuts such a URL at the first ``#`` (a fragment) or the first
``@``, and the player then dials a wrong host and reports only a lost signal.  Here:

- the authority runs to the first ``/`` or ``?`` after the **last** ``@`` that comes
  before the host; ``#`` is never a fragment in a camera URL;
- when that does not give a valid host (a ``/`` or ``?`` inside the password), the
  first ``@`` followed by a valid ``host[:port]`` and then ``/``, ``?`` or the end is
  taken instead;
- user name and password are percent-encoded for FFmpeg (which decodes them for
  Basic and Digest authentication); escapes already there (``%40``) are kept, so an
  already-encoded URL is passed on unchanged.

A URL that still cannot be understood gets a Chinese reason (:class:`CameraUrlError`),
shown on the wall tile and in the camera directory instead of a silent 信号中断.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable

SCHEMES = ("rtsp", "rtsps", "http", "https", "file")
"""What the wall plays: RTSP (cameras, GB/T 28181 platforms), HTTP(S) for HTTP-FLV,
MPEG-TS, HLS and MJPEG, and recordings as local files."""

GATEWAY_SCHEME = "gateway"
"""The stored form of a stream on a gateway's own origin: ``gateway:/video/…/sub.ts``
(path and query kept, origin dropped); :class:`GatewayOrigins` puts the gateway in use
back in front before anything plays it."""

_USERINFO_SAFE = "!$&'()*+,;=-._~"
_PATH_SAFE = "/:@!$&'()*+,;=?-._~#"
_HOST_LABEL = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$")
_HEX = set("0123456789abcdefABCDEF")


class CameraUrlError(ValueError):
    """A stream URL the console cannot play as given; the message is Chinese, for operators."""


@dataclass(frozen=True)
class CameraUrl:
    """A parsed stream URL.  ``user``/``password`` are as typed (escapes decoded)."""

    scheme: str
    host: str = ""
    port: int | None = None
    user: str | None = None
    password: str | None = None
    path: str = ""
    """Path and query, as sent (``/Streaming/Channels/101``, ``/cam?channel=1``)."""
    local_path: str | None = None
    """For a recording: the local file."""

    @property
    def is_local(self) -> bool:
        return self.local_path is not None

    def player_url(self) -> str:
        """The URL for FFmpeg: credentials percent-encoded, path escaped where it must be."""
        if self.local_path is not None:
            return self.local_path
        return self._assemble(_encode(self.password or "", _USERINFO_SAFE) if self.password is not None else None)

    def redacted(self) -> str:
        """The URL with the password hidden, for the screen and the log."""
        if self.local_path is not None:
            return self.local_path
        return self._assemble("***" if self.password is not None else None)

    def without_credentials(self) -> str:
        """The URL with no user name or password (what an RTSP request line carries)."""
        if self.local_path is not None:
            return self.local_path
        return self._assemble(None, with_user=False)

    def _assemble(self, password: str | None, *, with_user: bool = True) -> str:
        auth = ""
        if self.user is not None and with_user:
            auth = _encode(self.user, _USERINFO_SAFE)
            if password is not None:
                auth += ":" + password
            auth += "@"
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = f":{self.port}" if self.port is not None else ""
        return f"{self.scheme}://{auth}{host}{port}{_encode(self.path, _PATH_SAFE)}"


def _encode(text: str, safe: str) -> str:
    """Percent-encode ``text`` (UTF-8), keeping ``%XX`` escapes already in it."""
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "%" and i + 2 < len(text) and text[i + 1] in _HEX and text[i + 2] in _HEX:
            out.append(text[i:i + 3])
            i += 3
            continue
        if ch.isascii() and (ch.isalnum() or ch in safe):
            out.append(ch)
        else:
            out.extend(f"%{b:02X}" for b in ch.encode("utf-8"))
        i += 1
    return "".join(out)


def _decode(text: str) -> str:
    """Undo ``%XX`` escapes (what the camera will compare against); bad escapes stay."""
    raw = bytearray()
    i = 0
    data = text.encode("utf-8")
    while i < len(data):
        if data[i] == 0x25 and i + 2 < len(data) and chr(data[i + 1]) in _HEX and chr(data[i + 2]) in _HEX:
            raw.append(int(data[i + 1:i + 3], 16))
            i += 3
        else:
            raw.append(data[i])
            i += 1
    return raw.decode("utf-8", "replace")


def _host_port(text: str) -> tuple[str, int | None] | str:
    """``host[:port]`` → (host, port), or a Chinese reason."""
    if not text:
        return "缺少主机名（IP 地址或域名）"
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            return f"IPv6 地址缺少右括号：{text}"
        host, rest = text[1:end], text[end + 1:]
        try:
            ipaddress.IPv6Address(host.split("%")[0])
        except ValueError:
            return f"IPv6 地址无效：{host}"
        if rest and not rest.startswith(":"):
            return f"主机名后有多余字符：{text}"
        port_text = rest[1:] if rest else None
    else:
        if text.count(":") > 1:
            return f"IPv6 地址须写在方括号内（如 rtsp://[fe80::1]:554/…）：{text}"
        host, sep, port_text_raw = text.partition(":")
        port_text = port_text_raw if sep else None
        if not host:
            return "缺少主机名（IP 地址或域名）"
        if not all(_HOST_LABEL.match(label) for label in host.rstrip(".").split(".")):
            return f"主机名无效：{host}"
    port: int | None = None
    if port_text is not None:
        if not port_text.isdigit() or not port_text.isascii():
            return f"端口无效：{port_text}（应为 1–65535 的数字）"
        port = int(port_text)
        if not 1 <= port <= 65535:
            return f"端口无效：{port}（应为 1–65535）"
    return host, port


_AT_HOST = re.compile(r"@((?:\[[^\]/?@]*\]|[^:/?@#\[\]]+)(?::[^/?@#]*)?)(?=[/?]|$)")


def parse_camera_url(text: str) -> CameraUrl:
    """Parse a stream URL as cameras and gateways write it; raises :class:`CameraUrlError`."""
    if not isinstance(text, str) or not text.strip():
        raise CameraUrlError("视频流地址为空")
    url = text.strip()
    if any(ord(c) < 0x20 or c == "\x7f" for c in url):
        raise CameraUrlError("视频流地址含控制字符（换行、制表符等）")
    if re.match(r"^[A-Za-z]:[\\/]", url):  # C:\录像\1.mp4 on Windows
        return CameraUrl("file", local_path=url)
    if url.startswith("/"):
        return CameraUrl("file", local_path=url)
    m = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):(.*)$", url, re.S)
    if m is None:
        raise CameraUrlError("视频流地址缺少协议（应以 rtsp://、http:// 等开头）")
    scheme, rest = m.group(1).lower(), m.group(2)
    if scheme == GATEWAY_SCHEME:
        raise CameraUrlError("视频流由网关转发，当前未连接网关，无法播放")
    if scheme not in SCHEMES:
        raise CameraUrlError(f"不支持的协议 {scheme}://（支持 rtsp、rtsps、http、https 与本地录像文件）")
    if scheme == "file":
        local = rest[2:] if rest.startswith("//") else rest
        if local.startswith("localhost/"):
            local = local[len("localhost"):]
        if not local.startswith("/") and not re.match(r"^/?[A-Za-z]:[\\/]", local):
            raise CameraUrlError(f"本地录像地址应为绝对路径：{url}")
        return CameraUrl("file", local_path=_decode(local))
    if not rest.startswith("//"):
        raise CameraUrlError(f"地址格式错误：{scheme}: 后应为 //（如 {scheme}://192.168.1.64/…）")
    rest = rest[2:]
    # 1. The authority ends at the first / or ? after its last @ ('#' is never a fragment).
    cut = len(rest)
    for i, ch in enumerate(rest):
        if ch in "/?":
            cut = i
            break
    authority, path = rest[:cut], rest[cut:]
    userinfo: str | None = None
    if "@" in authority:
        userinfo, _, hostport = authority.rpartition("@")
    else:
        hostport = authority
    parsed = _host_port(hostport)
    if isinstance(parsed, str) and "@" in rest[cut:]:
        # 2. A '/' or '?' inside the password: the first '@' followed by a valid host.
        for m_at in _AT_HOST.finditer(rest):
            candidate = _host_port(m_at.group(1))
            if not isinstance(candidate, str):
                userinfo, parsed = rest[:m_at.start()], candidate
                path = rest[m_at.end():]
                break
    if isinstance(parsed, str):
        if "@" in rest and "@" not in authority:  # the reason could quote part of a password
            raise CameraUrlError("无法解析视频流地址：@ 之后找不到有效的主机名和端口（@ 之前为用户名和密码）")
        raise CameraUrlError(f"无法解析视频流地址：{parsed}")
    host, port = parsed
    user = password = None
    if userinfo is not None:
        name, sep, secret = userinfo.partition(":")
        if not name:
            raise CameraUrlError("地址中有密码但缺少用户名（应为 用户名:密码@主机）")
        user = _decode(name)
        password = _decode(secret) if sep else None
    return CameraUrl(scheme, host=host, port=port, user=user, password=password, path=path)


@lru_cache(maxsize=65536)
def _checked(text: str) -> tuple[str | None, str | None]:
    try:
        return parse_camera_url(text).player_url(), None
    except CameraUrlError as exc:
        return None, str(exc)


def player_url(text: str) -> str:
    """The URL to hand to the player (credentials encoded); raises :class:`CameraUrlError`."""
    url, problem = _checked(text)
    if problem is not None:
        raise CameraUrlError(problem)
    assert url is not None
    return url


def url_problem(text: str | None) -> str | None:
    """Why the console cannot play this URL, or None (cached: cheap for 10,000 cameras)."""
    if text is None:
        return None
    return _checked(text)[1]


_ORIGIN = re.compile(r"^(https?)://([^/?#@\s]+)((?:[/?#].*)?)$", re.I | re.S)


def url_origin(url: str) -> tuple[str, str] | None:
    """``(origin, rest)`` of an http(s) URL without credentials, the origin normalised
    (``http://gw:80/x`` → ``("http://gw", "/x")``); None for anything else."""
    m = _ORIGIN.match(url)
    if m is None:
        return None
    scheme, authority, rest = m.group(1).lower(), m.group(2).lower(), m.group(3)
    default = ":80" if scheme == "http" else ":443"
    if authority.endswith(default):
        authority = authority[:-len(default)]
    return f"{scheme}://{authority}", rest or "/"


@dataclass(frozen=True)
class GatewayOrigins:
    """Which origins are "the gateway's own", and which of them is in use.

    A gateway serves some camera streams itself (the demo feed's ``/video/…``, a media
    gateway's HTTP-FLV or HLS). Those URLs carry the gateway's address, and the address
    changes: the demo feed takes a random port on every start, a console fails over to a
    replica. A stream on the origin of the gateway in use (``current``) or of a gateway
    this console used before (``former``) is stored relative (:meth:`relative`) and played
    on the gateway in use (:meth:`rebase`). A stream on any other host — a camera's RTSP,
    another server's HLS, a URL with credentials — is kept exactly as received.
    """

    current: str | None = None
    former: frozenset[str] = frozenset()

    @classmethod
    def of(cls, current: str | None, former: Iterable[str] = ()) -> "GatewayOrigins":
        """From base URLs (``http://127.0.0.1:8765``, ``https://gw:8443/prefix``)."""
        cur = _origin_only(current) if current else None
        return cls(cur, frozenset(o for o in map(_origin_only, former) if o and o != cur))

    def _own(self, origin: str) -> bool:
        return origin == self.current or origin in self.former

    def rebase(self, url: str) -> str:
        """The URL to play: a stream of the gateway's own on the gateway in use."""
        if url.startswith(GATEWAY_SCHEME + ":/"):
            return self.current + url[len(GATEWAY_SCHEME) + 1:] if self.current else url
        if self.current is None or not url[:4].lower() == "http" or _on(url, self.current):
            return url  # the common cases without a parse: RTSP, files, already on the gateway in use
        for origin in self.former:
            if _on(url, origin):
                return self.current + url[len(origin):]
        split = url_origin(url)
        if split is None or split[0] == self.current or not self._own(split[0]):
            return url
        return self.current + split[1]

    def relative(self, url: str) -> str:
        """The URL to store: a stream of the gateway's own without its origin."""
        if self.current is not None and _on(url, self.current):
            return f"{GATEWAY_SCHEME}:{url[len(self.current):] or '/'}"
        if not url[:4].lower() == "http":
            return url
        split = url_origin(url)
        if split is None or not self._own(split[0]):
            return url
        return f"{GATEWAY_SCHEME}:{split[1]}"


def _on(url: str, origin: str) -> bool:
    """``url`` starts with ``origin`` written exactly so (the fast path before a parse)."""
    return url.startswith(origin) and (len(url) == len(origin) or url[len(origin)] in "/?#")


def _origin_only(base_url: str | None) -> str | None:
    split = url_origin(base_url or "")
    return split[0] if split else None


STREAM_LABELS = {"main": "主码流", "sub": "子码流", "low": "低码流"}


def camera_url_problem(camera: Any) -> str | None:
    """The first stream of a camera whose URL cannot be played, as "子码流地址无效：…", or None."""
    streams = getattr(camera, "streams", None)
    if streams is None:
        return None
    for kind in ("sub", "main", "low"):
        problem = url_problem(getattr(streams, kind, None))
        if problem:
            return f"{STREAM_LABELS[kind]}地址无效：{problem}"
    return None


def redacted(text: str) -> str:
    """A URL with its password hidden (``rtsp://admin:***@host/…``); unparseable: host only."""
    try:
        return parse_camera_url(text).redacted()
    except CameraUrlError:
        head, sep, tail = text.partition("://")
        return f"{head}{sep}{tail.rsplit('@', 1)[-1]}" if sep else text


__all__ = ["CameraUrl", "CameraUrlError", "GATEWAY_SCHEME", "GatewayOrigins", "SCHEMES", "camera_url_problem",
           "parse_camera_url", "player_url", "redacted", "url_origin", "url_problem"]
