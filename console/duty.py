"""The duty desk (值班值守): today's roster, the two-person handover and 查岗, for the 值班 panel.

The roster lives on the server (``district.duty``, ``GET /api/v1/roster``); the console reads
it and sends the ``duty.*`` commands. These are posted at once and answered at once (like the
reveal of a phone number), because the operator waits for the outcome at the desk:

* **Handover** — sent with this console's session token (the outgoing officer's).
* **Acknowledgement** — the incoming officer types their own user name and password; the desk
  logs them in on a separate client (the server's login route, throttle and user file), sends
  the command with *their* token and forgets the token. The server decides who acknowledged
  from that token, never from the command body.

Each accepted handover and acknowledgement is appended to this console's audit chain with
both names and both times (``pingshan-console audit verify`` walks it), and every duty
command, accepted or refused, is kept in the outbox as a finished row (the command log).
The handover report (交接班报告) is a :class:`~console.printable.PrintDocument`.
"""

from __future__ import annotations

import html
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from console.audit import Auditor
from console.exports import atomic_write
from console.gateway import GatewayAuthError, GatewayClient, GatewayError
from console.models import Command, CommandAccepted, CommandRefused, DutyCentre, DutyCheckIn, DutyShift, Roster
from console.printable import PdfRenderer, PrintDocument
from console.texts import spoken
from district.duty import OUTCOME_ZH, STATUS_ZH
from district.vocabulary import DISTRICT_TZ

log = logging.getLogger(__name__)

__all__ = ["DutyDesk", "DutyError", "CallTarget", "OUTCOME_ZH", "STATUS_ZH", "desk_for", "handover_document", "write_handover"]


class DutyError(Exception):
    """A duty action that did not happen; ``str()`` is the Chinese reason for the operator."""


@dataclass(frozen=True)
class CallTarget:
    """What a call service needs to ring a duty officer: SIP URI, display name, link."""

    sip_uri: str
    display_name: str
    link: str


ClientFactory = Callable[[], GatewayClient]
"""Makes a fresh client to the same gateways, without a token (for the incoming officer's login)."""


def sip_user(uri: str) -> str:
    """The user part of a SIP URI (``sip:8501@host:5060;transport=udp`` → ``8501``); a bare number as it is."""
    rest = uri.strip().strip("<>")
    for scheme in ("sips:", "sip:"):
        if rest.lower().startswith(scheme):
            rest = rest[len(scheme):]
            break
    return rest.split("@", 1)[0].split(";", 1)[0] if "@" in rest else rest.split(";", 1)[0].split(":", 1)[0]


class DutyDesk:
    """The console's side of the duty roster (one per console, on the live gateway)."""

    def __init__(self, gateway: GatewayClient, *, auditor: Auditor | None = None, outbox: Any | None = None,
                 client_factory: ClientFactory | None = None, username: str = "") -> None:
        self.gateway = gateway
        self.auditor = auditor
        self.outbox = outbox
        self.username = username
        self._client_factory = client_factory or (lambda: GatewayClient(list(gateway.base_urls)))
        self.roster: Roster | None = None

    # ------------------------------------------------------------------ reading

    async def refresh(self) -> Roster:
        """``GET /api/v1/roster``; raises :class:`DutyError` when the gateway cannot answer."""
        try:
            self.roster = await self.gateway.roster()
        except GatewayError as exc:
            raise DutyError(str(exc)) from None
        except Exception as exc:  # noqa: BLE001 - any transport failure reads the same to the operator
            raise DutyError(spoken("duty_unreachable", kind=type(exc).__name__)) from None
        return self.roster

    def shift(self, shift_id: str) -> DutyShift | None:
        if self.roster is None:
            return None
        return next((s for s in self.roster.shifts if s.id == shift_id), None)

    def centre(self, centre_id: str) -> DutyCentre | None:
        if self.roster is None:
            return None
        return next((c for c in self.roster.centres if c.id == centre_id), None)

    def call_target(self, shift: DutyShift) -> CallTarget:
        """The SIP URI and name to ring for a shift's officer, linked to the shift."""
        if not shift.sip:
            raise DutyError(spoken("duty_no_call"))
        centre = self.centre(shift.centre)
        where = centre.name if centre is not None else shift.centre
        return CallTarget(shift.sip, f"{where} {shift.officer}", f"duty:{shift.id}")

    def caller_name(self, uri: str) -> str | None:
        """Who on today's roster a SIP caller is (the call bar's resolver): the shift whose
        SIP account has the caller's user part, named as a call to them is; else None."""
        user = sip_user(uri)
        if self.roster is None or not user:
            return None
        for shift in self.roster.shifts:
            if shift.sip and sip_user(shift.sip) == user:
                return self.call_target(shift).display_name
        return None

    # ------------------------------------------------------------------ commands

    async def handover(self, shift_id: str, report: str) -> DutyShift | None:
        """The outgoing officer (this console's session) hands ``shift_id`` over with ``report``."""
        if not report.strip():
            raise DutyError(spoken("duty_report_empty"))
        cmd = _command("duty.handover", shift_id, {"report": report.strip()})
        await self._send(cmd, self.gateway)
        shift = await self._after(shift_id)
        if self.auditor is not None and shift is not None:
            self.auditor.record("duty.handover", shift_id, command_id=cmd.id, outgoing=shift.handed_over_by,
                                outgoing_user=shift.handed_over_by_user, handed_over_at=_iso(shift.handed_over_at),
                                report=shift.report)
        return shift

    async def acknowledge(self, shift_id: str, username: str, password: str) -> DutyShift | None:
        """The incoming officer acknowledges with their own login (a separate token, used once)."""
        shift = self.shift(shift_id)
        if shift is not None and shift.handed_over_by_user and username == shift.handed_over_by_user:
            raise DutyError(spoken("duty_same_person", user=username))
        client = self._client_factory()
        try:
            try:
                token = await client.login(username, password)
            except GatewayAuthError as exc:
                raise DutyError(spoken("duty_login_failed", reason=exc.detail or str(exc))) from None
            except GatewayError as exc:
                raise DutyError(spoken("duty_login_failed", reason=str(exc))) from None
            except Exception as exc:  # noqa: BLE001
                raise DutyError(spoken("duty_unreachable", kind=type(exc).__name__)) from None
            client.token = token.access_token
            cmd = _command("duty.acknowledge", shift_id, {})
            await self._send(cmd, client)
        finally:
            await client.aclose()
        shift = await self._after(shift_id)
        if self.auditor is not None and shift is not None:
            self.auditor.record("duty.acknowledge", shift_id, command_id=cmd.id,
                                outgoing=shift.handed_over_by, outgoing_user=shift.handed_over_by_user,
                                handed_over_at=_iso(shift.handed_over_at),
                                incoming=shift.acknowledged_by, incoming_user=shift.acknowledged_by_user,
                                acknowledged_at=_iso(shift.acknowledged_at))
        return shift

    async def start_checkin(self, centre_id: str, minutes: int) -> str:
        """查岗: the district centre calls ``centre_id``, which must answer within ``minutes``."""
        cmd = _command("duty.checkin_start", centre_id, {"minutes": int(minutes)})
        accepted = await self._send(cmd, self.gateway)
        if self.auditor is not None:
            self.auditor.record("duty.checkin_start", centre_id, command_id=cmd.id, checkin=accepted.target_id,
                                minutes=int(minutes))
        await self._after(None)
        return accepted.target_id

    async def answer_checkin(self, checkin_id: str) -> DutyCheckIn | None:
        """The called centre answers a 查岗 (the server times it)."""
        cmd = _command("duty.checkin_answer", checkin_id, {})
        await self._send(cmd, self.gateway)
        await self._after(None)
        check = next((c for c in (self.roster.checkins if self.roster else ()) if c.id == checkin_id), None)
        if self.auditor is not None:
            self.auditor.record("duty.checkin_answer", checkin_id, command_id=cmd.id,
                                outcome=check.outcome if check else None)
        return check

    async def assign(self, shift_id: str, **fields: str) -> None:
        """Change a roster entry (officer, username, phone, sip): administrator and 值班长 seats."""
        cmd = _command("duty.assign", shift_id, dict(fields))
        await self._send(cmd, self.gateway)
        if self.auditor is not None:
            self.auditor.record("duty.assign", shift_id, command_id=cmd.id, **fields)
        await self._after(None)

    async def _send(self, cmd: Command, client: GatewayClient) -> CommandAccepted:
        """Post once (resent once on a network error, same Idempotency-Key); kept in the command log."""
        body = cmd.model_dump_json()
        status, answer = 0, b""
        for attempt in (1, 2):
            try:
                status, answer = await client.post_command(body)
                break
            except Exception as exc:  # noqa: BLE001
                if attempt == 2:
                    self._log(cmd, body, 0, spoken("duty_unreachable", kind=type(exc).__name__))
                    raise DutyError(spoken("duty_unreachable", kind=type(exc).__name__)) from None
        if status == 202:
            self._log(cmd, body, 202, answer.decode("utf-8", "replace"))
            try:
                return CommandAccepted.model_validate_json(answer)
            except ValueError:
                return CommandAccepted(command_id=cmd.id, target_id=cmd.target_id)
        try:
            reason = CommandRefused.model_validate_json(answer).reason
        except ValueError:
            reason = spoken("gateway_answered", status=status)
        self._log(cmd, body, status, reason)
        if self.auditor is not None:
            self.auditor.record(f"{cmd.kind}.refused", cmd.target_id, command_id=cmd.id, status=status, reason=reason)
        raise DutyError(reason)

    def _log(self, cmd: Command, body: str, status: int, answer: str) -> None:
        """Keep the command as a finished row of the outbox (the shift's command log)."""
        if self.outbox is None:
            return
        try:
            self.outbox.put(cmd.id, cmd.kind, cmd.target_id, body)
            if status == 202:
                self.outbox.mark_sent(cmd.id, 202, answer)
                self.outbox.mark_confirmed(cmd.id)
            else:
                self.outbox.mark_refused(cmd.id, status, answer)
        except Exception:  # noqa: BLE001 - the audit chain still has it
            log.exception("duty command %s not kept in the command log", cmd.id)

    async def _after(self, shift_id: str | None) -> DutyShift | None:
        try:
            await self.refresh()
        except DutyError:
            return None
        return self.shift(shift_id) if shift_id else None


def _command(kind: str, target_id: str, args: dict[str, Any]) -> Command:
    return Command(id=uuid.uuid4().hex, kind=kind, target_id=target_id,
                   issued_at=datetime.now(timezone.utc), args=args)


def _iso(t: datetime | None) -> str | None:
    return t.astimezone(DISTRICT_TZ).isoformat() if t is not None else None


def _t(t: datetime | None) -> str:
    return t.astimezone(DISTRICT_TZ).strftime("%Y-%m-%d %H:%M") if t is not None else "—"


# ------------------------------------------------------------------ the handover report


def handover_document(shift: DutyShift, centre_name: str) -> PrintDocument:
    """交接班报告 of one shift: both officers, both times, the report, as an A4 page."""
    e = html.escape
    rows = [("值班中心", centre_name), ("席位", shift.seat), ("班次", f"{_t(shift.start)} — {_t(shift.end)}"),
            ("交班人", f"{shift.handed_over_by or '—'}（{shift.handed_over_by_user or '—'}）"),
            ("交班时间", _t(shift.handed_over_at)),
            ("接班人", f"{shift.acknowledged_by or '（待接班确认）'}（{shift.acknowledged_by_user or '—'}）"),
            ("接班确认时间", _t(shift.acknowledged_at)), ("状态", STATUS_ZH.get(shift.status, shift.status)),
            ("值班电话", shift.phone), ("SIP", shift.sip)]
    table = "".join(f"<tr><th align='left'>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in rows)
    report = "<br>".join(e(line) for line in shift.report.splitlines()) or "—"
    page = (f"<html><head><meta charset='utf-8'><title>交接班报告</title></head><body>"
            f"<h2>交接班报告 · {e(centre_name)}</h2><table cellpadding='4' border='1' cellspacing='0'>{table}</table>"
            f"<h3>交接事项</h3><p>{report}</p>"
            f"<p>交班人签字：{e(shift.handed_over_by or '')}　　接班人签字：{e(shift.acknowledged_by or '')}</p>"
            f"</body></html>")
    return PrintDocument(html=page, title=f"交接班报告 {centre_name} {_t(shift.start)}", creator=shift.handed_over_by or "")


def desk_for(core: Any) -> DutyDesk | None:
    """The duty desk of a running ``ConsoleCore`` (None without a gateway: replay, offline)."""
    gateway = getattr(core, "gateway", None)
    if gateway is None:
        return None
    verify = getattr(core.config, "verify", True)
    return DutyDesk(gateway, auditor=core.auditor, outbox=core.outbox, username=getattr(core.config, "username", ""),
                    client_factory=lambda: GatewayClient(list(gateway.base_urls), verify=verify))


def write_handover(shift: DutyShift, centre_name: str, out: Path, *, render_pdf: PdfRenderer | None = None,
                   auditor: Auditor | None = None) -> list[Path]:
    """Write the handover report as ``<out>.html`` (and ``.pdf`` with a renderer); audited."""
    doc = handover_document(shift, centre_name)
    paths = [atomic_write(out.with_suffix(".html"), doc.html.encode("utf-8"))]
    if render_pdf is not None:
        paths.append(atomic_write(out.with_suffix(".pdf"), render_pdf(doc)))
    if auditor is not None:
        auditor.record("duty.handover_report", shift.id, files=[p.name for p in paths])
    return paths

