"""A SIP lab on loopback for tests, benches and ``scripts/sip_lab.sh``: real servers only.

:class:`Kamailio` is Debian's kamailio as a registrar and proxy (registrar + usrloc +
location lookup, no database) on a free UDP port, with a minimal config written here.
:class:`SippPeer` is Debian's ``sipp`` (package sip-tester) playing a field unit: it
registers its account at the registrar and then answers (``answer``), is busy
(``busy``: 486), rings without answering (``noanswer``: rings, then takes the CANCEL),
accepts a transfer (``transfer``: answers, takes the REFER with 202, then the BYE) or calls
the console (``call`` from its account to a seat). Everything started here is
stopped by its owner (process groups, no stray children).

``python -m tests.support.siplab`` runs kamailio and an answering peer until Ctrl+C.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DOMAIN = "pingshan.test"
KAMAILIO_MODULES = Path("/usr/lib/x86_64-linux-gnu/kamailio/modules")

KAMAILIO_CFG = """#!KAMAILIO
debug=1
log_stderror=yes
children=2
auto_aliases=no
listen=udp:127.0.0.1:{port}
alias="{domain}"
alias="127.0.0.1:{port}"
mpath="{modules}/"
loadmodule "kex.so"
loadmodule "corex.so"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "textops.so"
loadmodule "siputils.so"
modparam("usrloc", "db_mode", 0)
modparam("registrar", "max_expires", 3600)
modparam("tm", "fr_inv_timer", 60000)
request_route {{
    if (!mf_process_maxfwd_header("10")) {{ sl_send_reply("483", "Too Many Hops"); exit; }}
    if (has_totag()) {{
        if (loose_route()) {{ t_relay(); exit; }}
        if (is_method("ACK")) {{ if (t_check_trans()) {{ t_relay(); }} exit; }}
        sl_send_reply("404", "Not here"); exit;
    }}
    if (is_method("CANCEL")) {{ if (t_check_trans()) {{ t_relay(); }} exit; }}
    t_check_trans();
    if (is_method("REGISTER")) {{ if (!save("location")) {{ sl_reply_error(); }} exit; }}
    if (is_method("INVITE|SUBSCRIBE|REFER")) {{ record_route(); }}
    if (!lookup("location")) {{ sl_send_reply("404", "Not Found"); exit; }}
    if (!t_relay()) {{ sl_reply_error(); }}
    exit;
}}
"""

_REPLY_HEAD = """[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
[last_Record-Route:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>"""

SCENARIOS = {
    "register": """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="register">
  <send retrans="500"><![CDATA[
REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:[service]@{domain}>;tag=[call_number]
To: <sip:[service]@{domain}>
Call-ID: [call_id]
CSeq: 1 REGISTER
Contact: *
Max-Forwards: 70
Expires: 0
Content-Length: 0

]]></send>
  <recv response="200"/>
  <send retrans="500"><![CDATA[
REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:[service]@{domain}>;tag=[call_number]
To: <sip:[service]@{domain}>
Call-ID: [call_id]
CSeq: 2 REGISTER
Contact: <sip:[service]@[local_ip]:[local_port]>
Max-Forwards: 70
Expires: 3600
Content-Length: 0

]]></send>
  <recv response="200"/>
</scenario>
""",
    "answer": f"""<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="answer">
  <recv request="INVITE" crlf="true"/>
  <send><![CDATA[
SIP/2.0 180 Ringing
{_REPLY_HEAD}
Content-Length: 0

]]></send>
  <pause milliseconds="200"/>
  <send retrans="500"><![CDATA[
SIP/2.0 200 OK
{_REPLY_HEAD}
Content-Type: application/sdp
Content-Length: [len]

v=0
o=unit 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000

]]></send>
  <label id="1"/>
  <!-- The ACK, the re-INVITEs of hold/resume and their ACKs, then the BYE. Through a
       proxy with several workers an ACK and the next re-INVITE may arrive swapped. -->
  <recv request="ACK" optional="true" next="1"/>
  <recv request="INVITE" optional="true" next="2"/>
  <recv request="BYE" next="3"/>
  <label id="2"/>
  <send next="1"><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
[last_Record-Route:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Content-Type: application/sdp
Content-Length: [len]

v=0
o=unit 53655765 2353687638 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000

]]></send>
  <label id="3"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
</scenario>
""",
    "transfer": f"""<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="transfer">
  <recv request="INVITE" crlf="true"/>
  <send><![CDATA[
SIP/2.0 180 Ringing
{_REPLY_HEAD}
Content-Length: 0

]]></send>
  <pause milliseconds="200"/>
  <send retrans="500"><![CDATA[
SIP/2.0 200 OK
{_REPLY_HEAD}
Content-Type: application/sdp
Content-Length: [len]

v=0
o=unit 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000

]]></send>
  <label id="1"/>
  <!-- The ACK, the re-INVITEs of hold/resume and their ACKs, then the BYE. Through a
       proxy with several workers an ACK and the next re-INVITE may arrive swapped. -->
  <recv request="ACK" optional="true" next="1"/>
  <recv request="INVITE" optional="true" next="2"/>
  <recv request="REFER" next="4"/>
  <label id="2"/>
  <send next="1"><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
[last_Record-Route:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Content-Type: application/sdp
Content-Length: [len]

v=0
o=unit 53655765 2353687638 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000

]]></send>
  <label id="4"/>
  <send><![CDATA[
SIP/2.0 202 Accepted
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
  <recv request="BYE"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
</scenario>
""",
    "busy": f"""<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="busy">
  <recv request="INVITE" crlf="true"/>
  <send><![CDATA[
SIP/2.0 486 Busy Here
{_REPLY_HEAD}
Content-Length: 0

]]></send>
  <recv request="ACK"/>
</scenario>
""",
    "noanswer": f"""<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="noanswer">
  <recv request="INVITE" crlf="true">
    <action><ereg regexp="CSeq: ([0-9]+)" search_in="msg" assign_to="whole,cseq"/></action>
  </recv>
  <send><![CDATA[
SIP/2.0 180 Ringing
{_REPLY_HEAD}
Content-Length: 0

]]></send>
  <recv request="CANCEL"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
  <send><![CDATA[
SIP/2.0 487 Request Terminated
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
CSeq: [$cseq] INVITE
Content-Length: 0

]]></send>
  <recv request="ACK"/>
  <Reference variables="whole"/>
</scenario>
""",
    "call": """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="call">
  <send retrans="500"><![CDATA[
INVITE sip:[field0]@{domain} SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:[service]@{domain}>;tag=[pid]SIPpTag00[call_number]
To: <sip:[field0]@{domain}>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:[service]@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=unit 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000

]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200" rrs="true"/>
  <send><![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[routes]
From: <sip:[service]@{domain}>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
  <pause milliseconds="1000"/>
  <send retrans="500"><![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[routes]
From: <sip:[service]@{domain}>;tag=[pid]SIPpTag00[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 2 BYE
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="200"/>
</scenario>
""",
}


def binaries_missing() -> list[str]:
    """The lab's Debian programs that are not installed (scripts/bootstrap.sh installs them)."""
    return [b for b in ("kamailio", "sipp", "baresip") if shutil.which(b) is None]


def free_udp_port() -> int:
    """A UDP port free on loopback now (and its TCP twin, which baresip's transports want)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.bind(("127.0.0.1", 0))
            port = int(u.getsockname()[1])
            with socket.socket() as t:
                try:
                    t.bind(("127.0.0.1", port))
                except OSError:
                    continue
            return port


def _stop_group(proc: subprocess.Popen[bytes], timeout: float = 3.0) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout)


def sip_probe(port: int, timeout_s: float = 0.3) -> bool:
    """Whether something answers a SIP OPTIONS on ``127.0.0.1:port`` (any reply counts)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        lport = s.getsockname()[1]
        msg = (f"OPTIONS sip:{DOMAIN} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{lport};branch=z9hG4bK{time.time_ns()}\r\n"
               f"From: <sip:probe@{DOMAIN}>;tag=p\r\nTo: <sip:{DOMAIN}>\r\nCall-ID: probe{time.time_ns()}\r\n"
               "CSeq: 1 OPTIONS\r\nMax-Forwards: 5\r\nContent-Length: 0\r\n\r\n")
        s.settimeout(timeout_s)
        s.sendto(msg.encode(), ("127.0.0.1", port))
        try:
            return bool(s.recv(4096))
        except OSError:
            return False


class Kamailio:
    """kamailio as registrar/proxy on ``127.0.0.1:<port>`` (UDP), config written to ``folder``."""

    def __init__(self, folder: Path, port: int | None = None) -> None:
        self.folder = folder
        self.port = port or free_udp_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def server(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 10.0) -> "Kamailio":
        self.folder.mkdir(parents=True, exist_ok=True)
        cfg = self.folder / "kamailio.cfg"
        cfg.write_text(KAMAILIO_CFG.format(port=self.port, domain=DOMAIN, modules=KAMAILIO_MODULES))
        log = open(self.folder / "kamailio.log", "ab")
        self.proc = subprocess.Popen(["kamailio", "-f", str(cfg), "-DD", "-E", "-Y", str(self.folder)],
                                     stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout_s
        while not sip_probe(self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("kamailio did not start: " + (self.folder / "kamailio.log").read_text()[-2000:])
        return self

    def stop(self) -> None:
        if self.proc is not None:
            _stop_group(self.proc)
            self.proc = None


class SippPeer:
    """One field unit played by sipp: its account registered at ``registrar``, then a scenario."""

    def __init__(self, folder: Path, registrar: str, account: str, scenario: str, *, calls: int = 1,
                 seat: str = "", timeout_s: float = 30.0) -> None:
        self.folder = folder
        self.registrar = registrar
        self.account = account
        self.scenario = scenario
        self.calls = calls
        self.seat = seat
        self.timeout_s = timeout_s
        self.port = free_udp_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def _file(self, name: str) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{name}.xml"
        path.write_text(SCENARIOS[name].replace("{domain}", DOMAIN))
        return path

    def _args(self, scenario: Path) -> list[str]:
        return ["sipp", "-sf", str(scenario), "-i", "127.0.0.1", "-p", str(self.port), "-s", self.account,
                "-nostdin", "-timeout", f"{self.timeout_s:.0f}s", "-timeout_error", "-max_recv_loops", "1000",
                "-trace_err", "-error_file", str(self.folder / f"{self.scenario}-{self.port}.err")]

    def register(self) -> None:
        """REGISTER the account with this peer's address as its contact."""
        done = subprocess.run(self._args(self._file("register")) + ["-m", "1", self.registrar],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              timeout=15, start_new_session=True)
        if done.returncode != 0:
            raise RuntimeError(f"sipp could not register {self.account} (exit {done.returncode})")

    def start(self) -> "SippPeer":
        """Register (not for ``call``) and start the scenario in the background."""
        args = self._args(self._file(self.scenario)) + ["-m", str(self.calls)]
        if self.scenario == "call":
            fields = self.folder / "seat.csv"
            fields.write_text(f"SEQUENTIAL\n{self.seat}\n")
            args += ["-inf", str(fields), "-r", "1", self.registrar]
            args[args.index("-s") + 1] = self.account
        else:
            self.register()
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        if self.scenario != "call":
            time.sleep(0.2)  # sipp binds its port before reading the first message
        return self

    def wait(self, timeout_s: float = 20.0) -> int:
        """sipp's exit status (0: every call went through the scenario)."""
        assert self.proc is not None
        return self.proc.wait(timeout_s)

    def errors(self) -> str:
        path = self.folder / f"{self.scenario}-{self.port}.err"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def stop(self) -> None:
        if self.proc is not None:
            _stop_group(self.proc)
            self.proc = None


def main(argv: list[str] | None = None) -> int:
    """Run kamailio and one answering unit until Ctrl+C; print the seat settings to use."""
    p = argparse.ArgumentParser(description="SIP lab on loopback: kamailio + a sipp unit")
    p.add_argument("--port", type=int, default=5060, help="kamailio's UDP port (default 5060)")
    p.add_argument("--unit", default="team_flood", help="the unit's SIP account (default team_flood)")
    p.add_argument("--scenario", default="answer", choices=("answer", "busy", "noanswer"))
    args = p.parse_args(argv)
    missing = binaries_missing()
    if missing:
        print("missing: " + ", ".join(missing) + " (run scripts/bootstrap.sh)", file=sys.stderr)
        return 2
    def on_term(_sig: int, _frame: object) -> None:
        raise KeyboardInterrupt  # a plain kill stops the lab like Ctrl+C: no stray servers

    signal.signal(signal.SIGTERM, on_term)
    with tempfile.TemporaryDirectory(prefix="siplab-") as tmp:
        kam = Kamailio(Path(tmp) / "kamailio", args.port).start()
        print(f"kamailio: registrar/proxy on udp {kam.server}, domain {DOMAIN}")
        print(f'seat settings (<cache>/sip.toml):\n  server = "{kam.server}"\n  domain = "{DOMAIN}"\n'
              '  user = "seat01"')
        peer: SippPeer | None = None
        try:
            while True:
                peer = SippPeer(Path(tmp) / "peer", kam.server, args.unit, args.scenario, calls=1000000,
                                timeout_s=3600).start()
                print(f"unit {args.unit}@{DOMAIN}: sipp '{args.scenario}' on udp 127.0.0.1:{peer.port}; Ctrl+C stops")
                peer.wait(timeout_s=10 ** 9)
        except KeyboardInterrupt:
            pass
        finally:
            if peer is not None:
                peer.stop()
            kam.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
