"""Settings files (users, sources): read with a Chinese reason per problem, write atomically with
mode 0600, and the plumbing their command-line tools share (:class:`CliParser`, :func:`file_command`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from contextlib import suppress
from pathlib import Path
from typing import Any, Callable, NoReturn

MISSING = object()
"""What :func:`read_json_file` answers for a file that is not there (when that is allowed)."""


def read_json_file(path: Path, where: str, error: type[Exception], *, missing_ok: bool = False) -> Any:
    """The JSON document of a settings file (users, sources), or :data:`MISSING` when it is missing and
    ``missing_ok``; every other problem is ``error`` with a Chinese reason that starts with ``where``."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if missing_ok:
            return MISSING
        raise error(f"{where}：文件不存在") from None
    except OSError as exc:
        raise error(f"{where}：无法读取（{exc.strerror or exc}）") from None
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise error(f"{where}：不是 UTF-8 编码") from None
    except json.JSONDecodeError as exc:
        raise error(f"{where}：第 {exc.lineno} 行第 {exc.colno} 列 JSON 格式错误（{exc.msg}）") from None


def write_secret_file(target: Path, text: str) -> None:
    """Replace ``target`` with ``text`` atomically, mode 0600, durable (users and sources files).

    mkstemp creates the file 0600; a reader never sees a half-written file.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(target.parent)


def fsync_dir(folder: Path) -> None:
    # The rename itself survives a power cut only once the folder is synced (POSIX; no-op elsewhere).
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class UsageError(Exception):
    def __init__(self, status: int, message: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class CliParser(argparse.ArgumentParser):
    """argparse that reports instead of exiting (the caller returns the status)."""

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        raise UsageError(status, message or "")

    def error(self, message: str) -> NoReturn:
        raise UsageError(2, f"{self.format_usage()}{self.prog}：用法错误：{message}\n")


def file_command(run: Callable[[], int], what: str) -> int:
    """Run one ``users``/``sources`` file command: 0 on success, 2 on a usage or validation
    error (Chinese message on stderr), 1 when the file (``what``: 用户文件 …) cannot be written."""
    try:
        return run()
    except UsageError as exc:
        (sys.stdout if exc.status == 0 else sys.stderr).write(exc.message)
        return exc.status
    except ValueError as exc:  # the file's own errors included
        print(str(exc), file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"无法写入{what}：{exc}", file=sys.stderr)
        return 1
