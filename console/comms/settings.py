"""The seat's SIP account: ``<cache>/sip.toml`` (the seat's own secret, mode 0600).

Example::

    server = "10.20.0.5:5060"     # the district's SIP registrar/proxy (host:port)
    domain = "pingshan.gov"       # the SIP domain of the accounts (default: the server's host)
    user = "zx-seat-01"           # this seat's SIP account
    password = "..."
    display = "区指挥中心 1 号席"
    ring_timeout_s = 30           # an unanswered call is given up after this long (无人接听)

No file, or an empty ``server``: calling is not configured (融合通信未配置).
Bad input raises :class:`SipSettingsError` with a Chinese message naming the field.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SETTINGS_FILE = "sip.toml"


class SipSettingsError(ValueError):
    """The SIP settings file cannot be used (message in Chinese)."""


@dataclass(frozen=True)
class SipSettings:
    """How this seat reaches the district's SIP server."""

    server: str
    user: str
    password: str = field(default="", repr=False)
    domain: str = ""
    display: str = ""
    ring_timeout_s: float = 30.0
    register_timeout_s: float = 5.0  # no answer to REGISTER by then: 服务器不可达
    setup_timeout_s: float = 8.0  # a dialled call with no reply from anyone by then: failed
    audio: str = "auto"  # auto (the workstation's sound card when present) | none

    @property
    def host(self) -> str:
        return self.server.rsplit(":", 1)[0] if ":" in self.server else self.server

    @property
    def sip_domain(self) -> str:
        return self.domain or self.host

    @property
    def aor(self) -> str:
        """The seat's address of record, ``sip:user@domain``."""
        return f"sip:{self.user}@{self.sip_domain}"

    def uri_for(self, number: str) -> str:
        """A dialable URI for a bare number or account (``sip:`` URIs pass through)."""
        number = number.strip()
        if number.startswith(("sip:", "sips:")):
            return number
        return f"sip:{''.join(number.split())}@{self.sip_domain}"


_FIELDS = ("server", "user", "password", "domain", "display", "ring_timeout_s", "register_timeout_s",
           "setup_timeout_s", "audio")


def sip_settings_from(doc: dict[str, Any], where: str = SETTINGS_FILE) -> SipSettings | None:
    """Settings from a parsed TOML table; ``None`` when no server is named."""
    unknown = [k for k in doc if k not in _FIELDS]
    if unknown:
        raise SipSettingsError(f"{where}：未知字段 “{unknown[0]}”（可用字段：{'、'.join(_FIELDS)}）")
    server = str(doc.get("server") or "").strip()
    if not server:
        return None
    user = str(doc.get("user") or "").strip()
    if not user:
        raise SipSettingsError(f"{where}：缺少本席位的 SIP 账号（user）")
    floats: dict[str, float] = {}
    for key in ("ring_timeout_s", "register_timeout_s", "setup_timeout_s"):
        if key in doc:
            value = doc[key]
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 < value <= 600:
                raise SipSettingsError(f"{where}：{key} 应为 0 到 600 之间的秒数")
            floats[key] = float(value)
    audio = str(doc.get("audio", "auto"))
    if audio not in ("auto", "none"):
        raise SipSettingsError(f"{where}：audio 只能是 auto 或 none")
    return SipSettings(server=server, user=user, password=str(doc.get("password") or ""),
                       domain=str(doc.get("domain") or ""), display=str(doc.get("display") or ""),
                       audio=audio, **floats)


def load_sip_settings(cache_dir: str | Path) -> SipSettings | None:
    """The seat's settings from ``<cache>/sip.toml``; ``None`` when calling is not configured."""
    path = Path(cache_dir) / SETTINGS_FILE
    if not path.exists():
        return None
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise SipSettingsError(f"{path.name}：无法读取（{exc.__class__.__name__}）") from None
    except tomllib.TOMLDecodeError as exc:
        raise SipSettingsError(f"{path.name}：格式错误（{exc}）") from None
    return sip_settings_from(doc, path.name)


def save_sip_settings(cache_dir: str | Path, settings: SipSettings) -> Path:
    """Write ``<cache>/sip.toml`` readable by this account only (it holds the password)."""
    path = Path(cache_dir) / SETTINGS_FILE
    lines = []
    for key in _FIELDS:
        value = getattr(settings, key)
        lines.append(f"{key} = {value}" if isinstance(value, float) else f'{key} = "{_toml_escape(str(value))}"')
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    return path


def _toml_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
