"""The calling service of one console seat, and the calls the panels offer.

:func:`seat_calls` builds the seat's :class:`CallService` from the core: the SIP
account in ``<cache>/sip.toml``, the operator's audit chain, the units and resources
as caller lookup. :func:`call_reporter` is click-to-call for an alert's reporter: the
number reaches the console masked, so the whole number is asked of the gateway through
the core's audited reveal (``ConsoleCore.reveal_phone``: the supervisor permission, a
line in the alert's timeline and in this seat's audit chain) and only then dialled;
the number is never shown, and the call record names the alert.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from console.comms.directory import CallTarget, resource_target, resources_resolver, unit_target
from console.comms.service import Call, CallError, CallService, Registration
from console.comms.settings import SipSettingsError, load_sip_settings
from console.masking import mask_phone
from console.texts import say, spoken

AGENT_FOLDER = "sip-agent"


def seat_calls(core: Any) -> CallService:
    """The seat's calling service (not started). Bad settings leave it failed, with the reason."""
    cache_dir = Path(core.config.cache_dir)
    try:
        settings = load_sip_settings(cache_dir)
        problem = ""
    except SipSettingsError as exc:
        settings, problem = None, str(exc)
    svc = CallService(settings, cache_dir / AGENT_FOLDER, auditor=getattr(core, "auditor", None),
                      operator=str(core.config.operator or ""))
    svc.add_resolver(resources_resolver(core))
    if problem:
        svc.registration = Registration("failed", say("comms_settings_error", reason=problem))
    return svc


def task_target(core: Any, task_id: str) -> CallTarget:
    """Whom to call about a task: its assignee unit. ``KeyError`` for an unknown task."""
    task = core.picture.tasks.get(task_id)
    if task is None:
        raise KeyError(task_id)
    return unit_target(core, task.unit)


async def call_resource(core: Any, calls: CallService, resource_id: str, link: str = "") -> Call:
    """Call a resource of the map (a rescue team, a shelter)."""
    target = resource_target(core, resource_id)
    if target is None:
        raise CallError(spoken("comms_call_failed", reason=resource_id))
    return await calls.dial(target.number, target.name, link)


async def call_task_assignee(core: Any, calls: CallService, task_id: str) -> Call:
    """Call the unit a task was given to; the call is linked to the task."""
    target = task_target(core, task_id)
    return await calls.dial(target.number, target.name, task_id)


async def call_reporter(core: Any, calls: CallService, alert_id: str) -> Call:
    """Call an alert's reporter through the audited reveal (see the module docstring).

    Raises ``PermissionError``/``ConnectionError`` from the reveal (Chinese), or
    :class:`CallError`.
    """
    if calls.registration.state != "registered":
        await calls.dial("")  # raises the reason (not configured / not registered)
    number = await core.reveal_phone(alert_id)
    if not number:
        raise CallError(spoken("comms_call_failed", reason=alert_id))
    if core.auditor is not None:  # the reveal is audited by the core; this names its purpose
        core.auditor.record("call.reporter", alert_id, number=mask_phone(number))
    masked = mask_phone(number)
    return await calls.dial(number, f"报警人 {masked}", alert_id, record_as=f"tel:{masked}")
