"""Calling over SIP against real components: kamailio as the district's SIP server,
sipp as the field units, baresip as the seat's user agent (console/comms)."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import pytest

from console.audit import Auditor
from console.comms import CallError, CallService, SipSettings, call_records
from console.comms.directory import resources_resolver, unit_target
from console.comms.settings import SipSettingsError, load_sip_settings, save_sip_settings, sip_settings_from
from console.texts import render
from offline_cache.audit_log import AuditLog
from offline_cache.db import CACHE_FILE, open_cache
from tests.support.asyncsupport import run, until
from tests.support.siplab import DOMAIN, Kamailio, free_udp_port


def settings(server: str, **kw: Any) -> SipSettings:
    base: dict[str, Any] = dict(server=server, user="seat01", domain=DOMAIN, display="区指挥中心 1 号席",
                                ring_timeout_s=3.0, setup_timeout_s=3.0, register_timeout_s=3.0)
    base.update(kw)
    return SipSettings(**base)


class FakeCore:
    """Only what the resolver reads: the resources layer and the unit directory (data, no behaviour)."""

    def __init__(self) -> None:
        self.layers = {"resources": {"features": [
            {"id": "team_flood", "geometry": {"type": "Point", "coordinates": [114.366, 22.703]},
             "properties": {"name_zh": "区三防抢险队驻地", "kind": "rescue_team", "unit": "team.flood"}},
        ]}}
        self.picture = type("P", (), {"units": {}})()


@pytest.fixture
def audited(tmp_path: Path) -> Any:
    cache = open_cache(tmp_path / "cache" / CACHE_FILE)
    yield Auditor(AuditLog(cache), "张值班")
    cache.close()


async def _service(tmp_path: Path, server: str, auditor: Any = None, **kw: Any) -> CallService:
    svc = CallService(settings(server, **kw), tmp_path / "ua", auditor=auditor, operator="张值班")
    svc.add_resolver(resources_resolver(FakeCore()))
    await svc.start()
    return svc


def test_register_with_the_seat_account(tmp_path: Path, kamailio: Kamailio) -> None:
    async def go() -> None:
        svc = await _service(tmp_path, kamailio.server)
        try:
            assert svc.registration.state == "registered", render(svc.registration.detail)
            assert "seat01@pingshan.test" in render(svc.registration.detail)
            assert svc.registration.has_audio is False  # the test machine has no sound card
            pid = svc.agent.pid if svc.agent else None
            assert pid is not None and os.path.exists(f"/proc/{pid}")
        finally:
            await svc.stop()
        assert not os.path.exists(f"/proc/{pid}/status") or "zombie" in Path(f"/proc/{pid}/status").read_text()
    run(go(), 60)


def test_call_a_unit_that_answers_hold_resume_hang_up_and_record(tmp_path: Path, kamailio: Kamailio,
                                                                  sipp_peer: Any, audited: Auditor) -> None:
    peer = sipp_peer("team_flood", "answer")

    async def go() -> None:
        svc = await _service(tmp_path, kamailio.server, audited)
        try:
            states: list[str] = []
            svc.call_changed.connect(lambda c: states.append(c.state))
            call = await svc.dial("team_flood", link="INC-7")
            assert call.peer_name == "区三防抢险队驻地"  # resolved against the resources
            await until(lambda: call.state == "active", 10, "the unit to answer")
            await svc.hold()
            await svc.resume()
            await asyncio.sleep(0.5)
            await svc.hangup()
            assert await svc.wait_ended(5)
            assert call.outcome == "answered" and call.duration_s > 0.4
            assert states[:3] == ["dialing", "ringing", "active"] and "held" in states
            assert call.ringing_after_s is not None and call.ringing_after_s < 2
        finally:
            await svc.stop()
    run(go(), 60)
    assert peer.wait(10) == 0, peer.errors()  # the peer saw INVITE, two re-INVITEs and the BYE
    recs = call_records(audited.audit_log.records())
    assert len(recs) == 1
    rec = recs[0]
    assert (rec.caller, rec.callee, rec.outcome, rec.link) == ("张值班", "区三防抢险队驻地", "answered", "INC-7")
    assert rec.peer_uri.startswith("sip:team_flood@pingshan.test") and rec.duration_s > 0.4
    assert audited.audit_log.verify().ok


def test_a_busy_unit(tmp_path: Path, kamailio: Kamailio, sipp_peer: Any, audited: Auditor) -> None:
    peer = sipp_peer("team_busy", "busy")

    async def go() -> None:
        svc = await _service(tmp_path, kamailio.server, audited)
        try:
            call = await svc.dial("team_busy", display="抢险队")
            assert await svc.wait_ended(5)
            assert (call.outcome, call.reason) == ("busy", "486 Busy Here")
        finally:
            await svc.stop()
    run(go(), 60)
    assert peer.wait(10) == 0, peer.errors()
    assert [r.outcome for r in call_records(audited.audit_log.records())] == ["busy"]


def test_a_unit_that_does_not_answer_is_given_up_after_the_ring_timeout(
        tmp_path: Path, kamailio: Kamailio, sipp_peer: Any, audited: Auditor) -> None:
    peer = sipp_peer("team_quiet", "noanswer")

    async def go() -> None:
        svc = await _service(tmp_path, kamailio.server, audited, ring_timeout_s=2.0)
        try:
            t0 = time.monotonic()
            call = await svc.dial("team_quiet")
            await until(lambda: call.state == "ringing", 5, "ringing")
            assert await svc.wait_ended(8)
            assert call.outcome == "no_answer"
            assert 1.8 < time.monotonic() - t0 < 6
            # The line is free again: a second call can start.
            assert svc.call is not None and svc.call.state == "ended"
        finally:
            await svc.stop()
    run(go(), 60)
    assert peer.wait(10) == 0, peer.errors()  # the peer got the CANCEL and answered 487
    assert [r.outcome for r in call_records(audited.audit_log.records())] == ["no_answer"]


def test_sip_server_down_at_start_says_unreachable_within_the_bound(tmp_path: Path) -> None:
    dead = f"127.0.0.1:{free_udp_port()}"  # nothing listens there

    async def go() -> None:
        t0 = time.monotonic()
        svc = await _service(tmp_path, dead, register_timeout_s=2.0)
        try:
            assert time.monotonic() - t0 < 6
            assert svc.registration.state == "failed"
            assert render(svc.registration.detail) == f"注册失败：服务器不可达（{dead}）"
            with pytest.raises(CallError, match="未注册"):
                await svc.dial("team_flood")
        finally:
            await svc.stop()
    run(go(), 30)


def test_call_while_the_server_went_down_fails_in_bounded_time(tmp_path: Path, kamailio: Kamailio,
                                                               audited: Auditor) -> None:
    async def go() -> None:
        svc = await _service(tmp_path, kamailio.server, audited, setup_timeout_s=2.0, ring_timeout_s=30.0)
        try:
            assert svc.registration.state == "registered"
            kamailio.stop()
            t0 = time.monotonic()
            call = await svc.dial("team_flood")
            assert await svc.wait_ended(8)
            assert call.outcome == "failed" and time.monotonic() - t0 < 6
            assert svc.agent is not None  # the agent is still there: nothing hung, nothing died
        finally:
            await svc.stop()
    run(go(), 60)
    assert [r.outcome for r in call_records(audited.audit_log.records())] == ["failed"]


def test_incoming_call_from_a_unit_rings_with_its_name_and_is_answered(
        tmp_path: Path, kamailio: Kamailio, sipp_peer: Any, audited: Auditor) -> None:
    async def go() -> None:
        svc = await _service(tmp_path, kamailio.server, audited)
        try:
            peer = sipp_peer("team_flood", "call", seat="seat01")
            await until(lambda: svc.call is not None and svc.call.state == "incoming", 10, "the call to ring")
            assert svc.call is not None
            assert svc.call.direction == "incoming" and svc.call.peer_name == "区三防抢险队驻地"
            await svc.answer()
            assert await svc.wait_ended(10)  # the unit hangs up after a second
            assert svc.call.outcome == "answered"
            assert await asyncio.to_thread(peer.wait, 10) == 0, peer.errors()
        finally:
            await svc.stop()
    run(go(), 60)
    rec = call_records(audited.audit_log.records())[0]
    assert (rec.direction, rec.caller, rec.callee) == ("incoming", "区三防抢险队驻地", "张值班")


def test_roster_lookup_resolves_callers_the_units_do_not_know(tmp_path: Path, kamailio: Kamailio,
                                                              sipp_peer: Any) -> None:
    async def go() -> None:
        svc = await _service(tmp_path, kamailio.server)
        svc.add_resolver(lambda uri: "马峦街道值班员" if "maluan_duty" in uri else None)
        try:
            sipp_peer("maluan_duty", "call", seat="seat01")
            await until(lambda: svc.call is not None and svc.call.state == "incoming", 10, "the call to ring")
            assert svc.call is not None and svc.call.peer_name == "马峦街道值班员"
            await svc.hangup()
            assert svc.call.outcome == "rejected"
        finally:
            await svc.stop()
    run(go(), 60)


def test_unconfigured_seat_says_so_and_refuses_to_dial(tmp_path: Path) -> None:
    async def go() -> None:
        svc = CallService(None, tmp_path / "ua")
        reg = await svc.start()
        assert reg.state == "unconfigured" and render(reg.detail) == "融合通信未配置"
        with pytest.raises(CallError, match="融合通信未配置"):
            await svc.dial("team_flood")
        await svc.stop()
    run(go(), 10)


def test_settings_file_round_trip_private_and_refusals(tmp_path: Path) -> None:
    assert load_sip_settings(tmp_path) is None
    s = settings("10.0.0.5:5060", password="s3cret-pw")
    path = save_sip_settings(tmp_path, s)
    assert path.stat().st_mode & 0o077 == 0  # the password file is the seat's alone
    assert load_sip_settings(tmp_path) == s
    assert "s3cret-pw" not in repr(s)
    with pytest.raises(SipSettingsError, match="未知字段"):
        sip_settings_from({"server": "x", "user": "u", "pasword": "p"})
    with pytest.raises(SipSettingsError, match="缺少"):
        sip_settings_from({"server": "x"})
    assert sip_settings_from({"server": ""}) is None


def test_unit_targets_and_resolver() -> None:
    core = FakeCore()
    assert unit_target(core, "team.flood").number == "team_flood"
    assert unit_target(core, "street.maluan").number == "street.maluan"
    assert resources_resolver(core)("sip:team_flood@pingshan.test;transport=udp") == "区三防抢险队驻地"
    assert resources_resolver(core)("sip:nobody@pingshan.test") is None


def test_transfer_sends_the_call_on_and_the_record_says_where(tmp_path: Path, kamailio: Kamailio,
                                                              sipp_peer: Any, audited: Auditor) -> None:
    peer = sipp_peer("team_flood", "transfer")  # requires a REFER, answers it 202, then takes the BYE

    async def go() -> None:
        svc = await _service(tmp_path, kamailio.server, audited)
        try:
            call = await svc.dial("team_flood")
            await until(lambda: call.state == "active", 10, "the unit to answer")
            with pytest.raises(CallError):
                await svc.answer()  # nothing is ringing: a clear refusal, no command sent
            await svc.transfer("team_rescue")
            assert call.transferred_to == "sip:team_rescue@pingshan.test"
            await asyncio.sleep(0.5)
            if call.state != "ended":
                await svc.hangup()
            assert await svc.wait_ended(5)
        finally:
            await svc.stop()
    run(go(), 60)
    assert peer.wait(10) == 0, peer.errors()  # the unit saw the REFER
    rec = call_records(audited.audit_log.records())[0]
    assert rec.reason == "transferred to sip:team_rescue@pingshan.test" and rec.outcome == "answered"


def test_the_telephone_does_not_outlive_a_killed_console(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    code = (
        "import asyncio, sys\n"
        "from pathlib import Path\n"
        "from console.comms import CallService, SipSettings\n"
        "async def main():\n"
        f"    svc = CallService(SipSettings(server='127.0.0.1:9', user='seat01', register_timeout_s=0.5), Path({str(tmp_path)!r}) / 'ua')\n"
        "    await svc.start()\n"
        "    print(svc.agent.pid, flush=True)\n"
        "    await asyncio.sleep(60)\n"
        "asyncio.run(main())\n")
    console = subprocess.Popen([sys.executable, "-c", code], cwd=root, stdout=subprocess.PIPE, text=True)
    try:
        assert console.stdout is not None
        pid = int(console.stdout.readline())
        assert Path(f"/proc/{pid}").exists()
        console.send_signal(signal.SIGKILL)  # a crash: no stop(), no close
        console.wait(5)

        def gone() -> bool:
            try:
                return "\nState:\tZ" in Path(f"/proc/{pid}/status").read_text()
            except OSError:
                return True
        deadline = time.monotonic() + 5
        while not gone():
            assert time.monotonic() < deadline, "baresip outlived the console"
            time.sleep(0.05)
    finally:
        if console.poll() is None:
            console.kill()
