"""Throwaway TLS material made at test time with the openssl CLI: a CA and a server
certificate for 127.0.0.1 signed by it."""

from __future__ import annotations

import subprocess
from pathlib import Path


def _sh(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


def make_ca(tmp: Path, name: str) -> tuple[Path, Path]:
    """A self-signed CA: (certificate, key)."""
    key, crt = tmp / f"{name}.key", tmp / f"{name}.pem"
    _sh("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(crt), "-days", "2",
        "-subj", f"/CN=Pingshan {name}")
    return crt, key


def make_server_cert(tmp: Path, ca: tuple[Path, Path]) -> tuple[Path, Path]:
    """A server certificate for 127.0.0.1 signed by ``ca``: (certificate, key)."""
    key, csr, crt, ext = tmp / "srv.key", tmp / "srv.csr", tmp / "srv.pem", tmp / "san.ext"
    _sh("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr), "-subj", "/CN=127.0.0.1")
    ext.write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n", encoding="ascii")
    _sh("x509", "-req", "-in", str(csr), "-CA", str(ca[0]), "-CAkey", str(ca[1]), "-CAcreateserial",
        "-out", str(crt), "-days", "2", "-extfile", str(ext))
    return crt, key
