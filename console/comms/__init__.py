"""Calling the field from the console (融合通信 over SIP).

The SIP stack is baresip (a maintained user agent), run as one child process per
seat and driven through its ``ctrl_tcp`` module (:mod:`console.comms.baresip`);
:class:`~console.comms.service.CallService` keeps the seat's registration and the
call in progress, resolves callers against the units, and writes every call to the
audit chain (:mod:`console.comms.records`). Qt-free and typed.
"""

from console.comms.records import CallRecord, call_records
from console.comms.service import Call, CallError, CallService, Registration
from console.comms.settings import SipSettings, SipSettingsError, load_sip_settings

__all__ = ["Call", "CallError", "CallRecord", "CallService", "Registration", "SipSettings",
           "SipSettingsError", "call_records", "load_sip_settings"]
