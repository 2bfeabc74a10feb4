"""Who sits at the console: the sign-in step of ``pingshan-console`` and the logout loop.

- ``--demo``: log in automatically as the demo duty operator (``duty``), so the demo
  opens straight into the console, as before; after 注销 the login dialog offers the
  other demo seats (viewer, chief, admin, maluan; password = user name).
- ``--backend URL``: when the gateway requires login (it answers 401 to an anonymous
  call), or ``--user`` is given, the login dialog opens first (user name prefilled
  from ``--user``); an untrusted certificate opens it with the reason. A gateway that
  cannot be reached at start (and no ``--user``) does not block the console: it starts
  from its cache as before. ``--password-stdin`` reads the password from standard input
  instead (scripted and headless runs; a wrong password ends the run with a
  Chinese message). A gateway that does not require login runs as before.
- ``--ca FILE`` trusts a private CA (a government CA bundle) for HTTPS; verification
  is always on.

The token never leaves the :class:`console.auth.AuthSession`; the core gets it in
memory through its config and :func:`console.auth.bind_core`.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

DEMO_USER = "duty"
"""The embedded feed's demo duty operator (password = user name)."""


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The identity and transport options of the GUI's command line."""
    p.add_argument("--user", metavar="NAME", default=None, help="log in as NAME (prefills the login dialog)")
    p.add_argument("--password-stdin", action="store_true",
                   help="read the password from standard input instead of the login dialog (with --user)")
    p.add_argument("--ca", metavar="FILE", type=Path, default=None,
                   help="CA bundle (PEM file or hashed directory) that signed the gateway's HTTPS certificate")
    p.add_argument("--idle-lock-min", metavar="MIN", type=float, default=10.0,
                   help="lock the console after MIN minutes without input (0 = never; default 10)")


def check_arguments(p: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse combinations that cannot work, with a clear message."""
    if args.password_stdin and not args.user:
        p.error("--password-stdin needs --user NAME")
    if args.ca is not None:
        args.ca = args.ca.expanduser().resolve()
        from console.gateway import GatewayError, load_ca

        try:
            load_ca(args.ca)
        except GatewayError as exc:
            p.error(exc.reason)


def verify_of(args: argparse.Namespace) -> bool | Path:
    """``verify`` for the gateway client: the CA bundle, else the system store."""
    return getattr(args, "ca", None) or True


def backend_list(value: str | list[str] | tuple[str, ...] | None) -> list[str]:
    """``--backend`` (given once or repeated) or a profile's gateways as a list, preferred first."""
    if not value:
        return []
    return [value] if isinstance(value, str) else [u for u in value if u]


def _new_session(args: argparse.Namespace, backend: str | list[str]) -> Any:
    from console.auth import AuthSession

    minutes = float(getattr(args, "idle_lock_min", 10.0) or 0)
    return AuthSession(backend, verify=verify_of(args), idle_lock_s=minutes * 60 if minutes > 0 else None)


def demo_seat(args: argparse.Namespace) -> str:
    """The demo seat a ``--demo`` console logs in as: its street profile's sub-centre seat
    (``maluan`` for ``--profile maluan``), else the district duty operator."""
    street = getattr(getattr(args, "profile_obj", None), "street", None)
    return street if isinstance(street, str) and street else DEMO_USER


async def sign_in(args: argparse.Namespace, backend: str | list[str], error: str = "") -> Any:
    """A logged-in :class:`AuthSession`, ``None`` when the gateway needs no login, or
    ``False`` when the operator gave up (closed the dialog, or a scripted login failed)."""
    from console.auth import AuthError

    session = _new_session(args, backend)
    demo = bool(getattr(args, "demo", False))
    if demo and not getattr(args, "demo_logged_in", False):
        args.demo_logged_in = True  # the first turn only: after 注销 the demo shows the login dialog
        seat = demo_seat(args)
        try:
            await session.login(seat, seat)
            return session
        except AuthError as exc:
            log.warning("demo auto-login failed: %s", exc.reason)
            await session.aclose()
            return None  # the demo feed is open: run as before
    if getattr(args, "password_stdin", False):
        password = read_password()
        try:
            await session.login(args.user, password)
            return session
        except AuthError as exc:
            print(f"登录失败：{exc.reason}", file=sys.stderr)
            await session.aclose()
            return False
    if not args.user and not error and not demo:
        try:
            required = await session.login_required()
        except Exception as exc:  # noqa: BLE001 - unreachable or untrusted
            from console.gateway import describe_error, is_tls_error

            if not is_tls_error(exc):
                # Unreachable: start from the cache as before (the status bar says why);
                # a login is asked for with --user, or at the next start.
                log.warning("gateway not reachable for login: %s", describe_error(exc))
                await session.aclose()
                return None
            required, error = True, describe_error(exc)  # an untrusted certificate will not fix itself
        if not required:
            await session.aclose()
            return None
    from widgets.shell.login_dialog import ask_login

    if await ask_login(session, args.user or "", None, error):
        return session
    await session.aclose()
    return False


def read_password() -> str:
    """One password from standard input: typed without echo on a terminal, else one line.

    Read on the GUI thread on purpose: nothing is on screen yet (or the window has just
    closed after a logout), and a worker thread of qasync's executor would outlive a
    loop that is never closed (tests) and abort the process at exit.
    """
    stdin = sys.stdin
    if stdin is not None and stdin.isatty():
        import getpass

        return getpass.getpass("密码：")
    return (stdin.readline() if stdin is not None else "").rstrip("\r\n")


def config_kwargs(backend: str | list[str] | None, args: argparse.Namespace, session: Any) -> dict[str, Any]:
    """``ConsoleConfig`` arguments: gateway(s), cache, CA; for a session also its token, role,
    scope and the user's name (the name this console writes into its own audit chain; the
    gateway takes the actor of a command from the token, never from the console)."""
    urls = backend_list(backend)
    kwargs: dict[str, Any] = {"backend_url": urls[0] if urls else None, "cache_dir": args.cache,
                              "verify": verify_of(args)}
    if len(urls) > 1:
        kwargs["backend_urls"] = tuple(urls[1:])
    if session:
        from console.auth import config_fields

        kwargs.update(config_fields(session))
    return kwargs


def attach(app: Any, session: Any) -> Any:
    """Bind the session to the started core and add lock/logout to the window.

    ``app`` is the running ``ConsoleApp`` (``core``, ``window``, ``_stop``); a confirmed
    logout sets ``app.logged_out`` and closes the window, which ends this session's turn.
    An acknowledged handover in the 值班 panel offers the same, with the incoming officer's
    name for the next login (``SessionControls.offer_switch``).
    """
    if not session:
        return None
    from console.auth import bind_core
    from widgets.shell.session_ui import SessionControls

    bind_core(session, app.core)
    session.start()
    controls = SessionControls.attach(app.window, session)

    def on_logout() -> None:
        app.logged_out = True
        app.window.close()

    def on_switch(incoming_user: str) -> None:
        app.args.user = incoming_user  # the login dialog opens with the incoming officer's name
        on_logout()

    controls.logout_requested.connect(on_logout)
    controls.switch_requested.connect(on_switch)
    duty = getattr(app.window, "duty", None)  # the 值班 dock: an acknowledged handover offers the switch
    if duty is not None:
        duty.panel.taken_over.connect(controls.offer_switch)
    return controls


async def end_session(app: Any, session: Any) -> None:
    """After a logout: stop the core (the cache stays), drop the window, forget the session."""
    from console.shutdown import stop_core

    controls = getattr(app.window, "session_controls", None) if app.window is not None else None
    if controls is not None:
        controls.shutdown()
    if app.notifier is not None:
        try:
            app.notifier.stop()
        except Exception:  # noqa: BLE001
            log.exception("notifier did not stop")
    if app.core is not None:
        await stop_core(app.core)
    if app.window is not None:
        app.window.deleteLater()
    app.core = app.notifier = app.window = None
    if session:
        session.logout()
        await session.aclose()
    app.logged_out = False
    app._stop.clear()
