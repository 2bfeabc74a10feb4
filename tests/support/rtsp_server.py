"""A real RTSP server on loopback for the video tests: GStreamer's gst-rtsp-server
(Debian's ``gir1.2-gst-rtsp-server-1.0``), run under Debian's own Python, which has
PyGObject (``python3-gi``). Not the console's venv: the tests start it as a child
process through :func:`tests.rtspsupport.RtspServer`.

The picture is the simulator's camera clip (real H.264 from ``simulator.video``, an
MPEG-TS file): its access units are read once, then each client gets them looped
live at 25 fps (appsrc, timestamped on arrival), payloaded as RTP H.264.

    /usr/bin/python3 tests/support/rtsp_server.py --clip clip.ts --port 8554 --path /cam \
        [--user U --password P [--digest]] [--protocols tcp|udp|both]

Prints ``READY <port>`` once it listens; runs until killed.
"""

from __future__ import annotations

import argparse
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

CAPS = "video/x-h264,stream-format=byte-stream,alignment=au,width=640,height=360,framerate=25/1"


def read_access_units(path: str) -> list[bytes]:
    """Every H.264 access unit of an MPEG-TS file, in order (Annex-B, SPS/PPS in band)."""
    pipe = Gst.parse_launch(
        f'filesrc location="{path}" ! tsdemux ! h264parse config-interval=-1 ! '
        "video/x-h264,stream-format=byte-stream,alignment=au ! appsink name=out sync=false")
    sink = pipe.get_by_name("out")
    pipe.set_state(Gst.State.PLAYING)
    units: list[bytes] = []
    while True:
        sample = sink.emit("pull-sample")
        if sample is None:
            break
        buf = sample.get_buffer()
        ok, info = buf.map(Gst.MapFlags.READ)
        if ok:
            units.append(bytes(info.data))
            buf.unmap(info)
    pipe.set_state(Gst.State.NULL)
    if not units:
        raise SystemExit(f"no H.264 in {path}")
    return units


class LoopFactory(GstRtspServer.RTSPMediaFactory):
    """One live pipeline per client: the clip's access units pushed every 40 ms."""

    def __init__(self, units: list[bytes]) -> None:
        super().__init__()
        self.units = units
        self.set_launch(f"( appsrc name=src is-live=true do-timestamp=true format=time caps={CAPS} "
                        "! h264parse ! rtph264pay name=pay0 pt=96 config-interval=1 )")
        self.connect("media-configure", self._on_media_configure)

    def _on_media_configure(self, _factory: object, media: GstRtspServer.RTSPMedia) -> None:
        src = media.get_element().get_by_name_recurse_up("src")
        state = {"n": 0, "stopped": False}

        def push() -> bool:
            if state["stopped"]:
                return False
            data = self.units[state["n"] % len(self.units)]
            state["n"] += 1
            buf = Gst.Buffer.new_wrapped(data)
            buf.duration = Gst.SECOND // 25
            return src.emit("push-buffer", buf) == Gst.FlowReturn.OK

        def on_unprepared(_media: object) -> None:
            state["stopped"] = True

        media.connect("unprepared", on_unprepared)
        GLib.timeout_add(40, push)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clip", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--path", default="/cam")
    ap.add_argument("--user")
    ap.add_argument("--password")
    ap.add_argument("--digest", action="store_true", help="digest authentication (default: basic)")
    ap.add_argument("--protocols", choices=("tcp", "udp", "both"), default="both")
    args = ap.parse_args()
    Gst.init(None)
    units = read_access_units(args.clip)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    factory = LoopFactory(units)
    factory.set_shared(False)
    lower = {"tcp": GstRtsp.RTSPLowerTrans.TCP, "udp": GstRtsp.RTSPLowerTrans.UDP,
             "both": GstRtsp.RTSPLowerTrans.TCP | GstRtsp.RTSPLowerTrans.UDP}[args.protocols]
    factory.set_protocols(lower)
    if args.user is not None:
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string("media.factory.role", "camera")
        if args.digest:
            auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
            auth.add_digest(args.user, args.password or "", token)
        else:
            auth.set_supported_methods(GstRtsp.RTSPAuthMethod.BASIC)
            auth.add_basic(GstRtspServer.RTSPAuth.make_basic(args.user, args.password or ""), token)
        server.set_auth(auth)
        permissions = GstRtspServer.RTSPPermissions()
        permissions.add_permission_for_role("camera", "media.factory.access", True)
        permissions.add_permission_for_role("camera", "media.factory.construct", True)
        factory.set_permissions(permissions)
    server.get_mount_points().add_factory(args.path, factory)
    if server.attach(None) == 0:
        print("ERROR cannot listen", flush=True)
        return 1
    print(f"READY {server.get_bound_port()}", flush=True)
    try:
        GLib.MainLoop().run()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
