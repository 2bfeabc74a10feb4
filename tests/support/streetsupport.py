"""A district hub and a street node on loopback, and a leaf link that a test can cut and heal.

:class:`LinkProxy` is a real TCP relay between the street's ``nats-server`` and the hub's
leafnode port: :meth:`LinkProxy.cut` closes its listener and every relayed connection (the
leaf sees its link drop, as when the street's line goes down), :meth:`LinkProxy.heal`
listens again on the same port. The hub does not advertise its own leafnode address, so
the leaf can only come back through the relay.
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path

from gateway.street import leaf_conf
from tests.support.natsupport import NatsNode, free_port


class LinkProxy:
    """A TCP relay 127.0.0.1:port → 127.0.0.1:target that can be cut and healed."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.port = free_port()
        self._lock = threading.Lock()
        self._socks: list[socket.socket] = []
        self._listener: socket.socket | None = None

    def heal(self) -> "LinkProxy":
        srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", self.port))
        srv.listen(16)
        self._listener = srv
        threading.Thread(target=self._accept, args=(srv,), daemon=True).start()
        return self

    def _accept(self, srv: socket.socket) -> None:
        while True:
            try:
                a, _ = srv.accept()
            except OSError:
                return
            if self._listener is not srv:  # cut while this accept was waiting
                a.close()
                return
            try:
                b = socket.create_connection(("127.0.0.1", self.target), timeout=5)
            except OSError:
                a.close()
                continue
            with self._lock:
                self._socks += [a, b]
            for x, y in ((a, b), (b, a)):
                threading.Thread(target=self._pipe, args=(x, y), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self) -> None:
        srv, self._listener = self._listener, None
        if srv is not None:
            try:
                srv.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept() (a bare close does not)
            except OSError:
                pass
            srv.close()
        with self._lock:
            socks, self._socks = self._socks, []
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()


class HubNode(NatsNode):
    """The district hub's ``nats-server``: JetStream domain ``hub`` and a leafnode port it does not advertise."""

    def __init__(self, root: Path, name: str = "hub", **kw: object) -> None:
        super().__init__(root, name, **kw)  # type: ignore[arg-type]
        self.leaf_port = free_port()

    def _write_conf(self) -> None:
        super()._write_conf()
        text = self.conf.read_text(encoding="utf-8").replace(
            f'jetstream {{ store_dir: "{self.store}" }}', f'jetstream {{ store_dir: "{self.store}", domain: "hub" }}')
        text += f"leafnodes {{ listen: 127.0.0.1:{self.leaf_port}, no_advertise: true }}\n"
        self.conf.write_text(text, encoding="utf-8")


class StreetNode(NatsNode):
    """A street sub-centre's ``nats-server``, written by the product's own :func:`gateway.street.leaf_conf`."""

    def __init__(self, root: Path, street: str, hub_leaf_port: int, *, mqtt: bool = False) -> None:
        super().__init__(root, f"street-{street}", mqtt=mqtt)
        self.street = street
        self.hub_leaf_port = hub_leaf_port

    def _write_conf(self) -> None:
        self.conf.write_text(leaf_conf(self.street, store=str(self.store), port=self.port,
                                       hub_leaf_urls=[f"nats-leaf://127.0.0.1:{self.hub_leaf_port}"],
                                       mqtt_port=self.mqtt_port, monitor_port=self.monitor_port), encoding="utf-8")
