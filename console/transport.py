"""How the console reaches a gateway safely: which CAs it trusts, and plain HTTP named.

**Trust.** Without a CA of its own (``--ca``) the console trusts the operating system's
store — on Linux OpenSSL's default bundle and hashed directory (``/etc/ssl/certs`` on
Debian, Kylin and UOS, what ``update-ca-certificates`` maintains); on Windows also the
system's certificate stores. ``SSL_CERT_FILE`` and ``SSL_CERT_DIR`` *add* CAs to that
store (each is logged); they never replace it. httpx left alone would instead trust
certifi's bundle, or only ``SSL_CERT_FILE`` when that is set. With ``--ca`` only that
CA is trusted (:func:`console.gateway.load_ca`; the environment is ignored and a line
in the log says so). Verification is never off.

**Plain HTTP.** An ``http://`` gateway anywhere but on this machine (loopback) carries
the login, the tokens and every alert unencrypted: :func:`cleartext_warning` gives the
status bar's red warning, and :func:`log_cleartext` writes it to the log.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import ssl
import sys
from collections.abc import Mapping
from urllib.parse import urlsplit

from console.texts import DisplayText, say

log = logging.getLogger(__name__)

CA_ENVIRONMENT = ("SSL_CERT_FILE", "SSL_CERT_DIR")
"""Variables whose CAs are added to the system store (OpenSSL's names for them)."""


class TrustError(ValueError):
    """A CA named in the environment cannot be read; the message is Chinese."""


def system_ca_locations() -> tuple[str | None, str | None]:
    """The system store as OpenSSL was built to find it (file, directory), whatever the
    environment says; None for a part that does not exist here."""
    paths = ssl.get_default_verify_paths()
    cafile = paths.openssl_cafile if paths.openssl_cafile and os.path.isfile(paths.openssl_cafile) else None
    capath = paths.openssl_capath if paths.openssl_capath and os.path.isdir(paths.openssl_capath) else None
    return cafile, capath


def system_trust(environ: Mapping[str, str] | None = None) -> ssl.SSLContext:
    """An SSL context trusting the system store plus the CAs ``SSL_CERT_FILE`` /
    ``SSL_CERT_DIR`` name; hostname and chain are checked. Raises :class:`TrustError`
    when a variable names something unreadable (a typo must not pass unnoticed)."""
    env = os.environ if environ is None else environ
    cafile, capath = system_ca_locations()
    if cafile or capath:
        ctx = ssl.create_default_context(cafile=cafile, capath=capath)
    else:
        ctx = ssl.create_default_context()  # no OpenSSL store here (Windows): the platform's own
    if sys.platform == "win32" and (cafile or capath):
        ctx.load_default_certs()
    system = {os.path.realpath(p) for p in (cafile, capath) if p}
    for name in CA_ENVIRONMENT:
        value = env.get(name)
        if not value or os.path.realpath(value) in system:
            continue  # unset, or the system store itself (a common container default)
        try:
            if name == "SSL_CERT_DIR":
                ctx.load_verify_locations(capath=value)
            else:
                ctx.load_verify_locations(cafile=value)
        except (OSError, ssl.SSLError, ValueError) as exc:
            raise TrustError(f"环境变量 {name} 指向的 CA 证书无法读取（{value}）：{type(exc).__name__}") from None
        log.warning("trusting the CAs in %s=%s in addition to the system store", name, value)
    return ctx


def ignored_environment(environ: Mapping[str, str] | None = None) -> list[str]:
    """The CA variables set now, which a console given ``--ca`` does not use."""
    env = os.environ if environ is None else environ
    return [name for name in CA_ENVIRONMENT if env.get(name)]


def is_loopback(host: str) -> bool:
    """True for this machine: ``localhost``, 127.0.0.0/8, ::1."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def cleartext_warning(base_url: str | None) -> DisplayText | None:
    """The status bar's warning for a gateway reached over plain HTTP off this machine
    (tokens and data travel in clear); None for HTTPS or loopback."""
    if not base_url:
        return None
    parts = urlsplit(base_url)
    if parts.scheme.lower() != "http" or is_loopback(parts.hostname or ""):
        return None
    return say("gateway_cleartext", host=parts.netloc)


def log_cleartext(base_url: str) -> bool:
    """Log a plain-HTTP gateway off this machine; True when it is one."""
    if cleartext_warning(base_url) is None:
        return False
    log.warning("gateway %s is plain HTTP on a non-loopback address: the login, tokens and data travel "
                "unencrypted; use https:// with --ca", base_url)
    return True


__all__ = ["CA_ENVIRONMENT", "TrustError", "cleartext_warning", "ignored_environment", "is_loopback",
           "log_cleartext", "system_ca_locations", "system_trust"]
