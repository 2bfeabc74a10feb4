"""A street node acknowledges a message only once it is on disk (issue 18: power loss).

A street sub-centre runs one ``nats-server`` with no replica: JetStream's default writes
the store to disk every two minutes, so an order accepted while the street is cut off
could vanish in a power cut. The product's own configuration (``gateway.street.leaf_conf``)
asks for ``sync_interval: always``; this test watches the real server under ``strace``
and counts the ``fsync`` calls on its store while it acknowledges publishes — one at
least per acknowledged message, where the default makes none.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import shutil
import subprocess
from pathlib import Path

import pytest

from gateway.street import leaf_conf
from tests.support.natsupport import free_port, nats_server_binary, wait_port

pytestmark = pytest.mark.timeout(90)
PUBLISHES = 20


def _fsyncs_on_store(tmp: Path, conf_text: str, store: Path, port: int) -> int:
    strace = shutil.which("strace")
    if strace is None:
        pytest.skip("strace is not installed (scripts/bootstrap.sh installs it): the fsync cannot be watched")
    conf = tmp / "node.conf"
    conf.write_text(conf_text, encoding="utf-8")
    trace = tmp / "trace.txt"
    # Its own process group: a stopped strace detaches and leaves its tracee running, so the
    # group (strace and nats-server) is stopped together.
    proc = subprocess.Popen([strace, "-f", "-y", "-qq", "-e", "trace=fsync,fdatasync", "-o", str(trace),
                             nats_server_binary(), "-c", str(conf)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_port(port, 30)

        async def publish() -> None:
            import nats

            nc = await nats.connect(f"nats://127.0.0.1:{port}")
            js = nc.jetstream(domain="maluan")
            await js.add_stream(name="T", subjects=["t.>"])
            await asyncio.sleep(0.5)
            trace.write_text("", encoding="utf-8")  # count from here: the publishes only
            for i in range(PUBLISHES):
                await js.publish("t.order", f"order {i}".encode())
            await nc.close()

        asyncio.run(publish())
    finally:
        _stop_group(proc)
    text = trace.read_text(encoding="utf-8", errors="replace")
    return sum(1 for line in text.splitlines() if re.search(r"f(data)?sync\(\d+<" + re.escape(str(store)), line))


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


def test_a_street_node_writes_each_acknowledged_message_to_disk(tmp_path: Path) -> None:
    port = free_port()
    store = tmp_path / "store"
    conf = leaf_conf("maluan", store=str(store), port=port, hub_leaf_urls=[f"nats-leaf://127.0.0.1:{free_port()}"])
    assert "sync_interval: always" in conf
    synced = _fsyncs_on_store(tmp_path, conf, store, port)
    assert synced >= PUBLISHES, f"{synced} fsyncs on the store for {PUBLISHES} acknowledged messages"


def test_the_default_would_not(tmp_path: Path) -> None:
    # The same node without the setting: the check above can fail.
    port = free_port()
    store = tmp_path / "store"
    conf = leaf_conf("maluan", store=str(store), port=port,
                     hub_leaf_urls=[f"nats-leaf://127.0.0.1:{free_port()}"]).replace(", sync_interval: always", "")
    assert _fsyncs_on_store(tmp_path, conf, store, port) < PUBLISHES
