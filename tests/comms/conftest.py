"""Fixtures for the calling tests: a real kamailio on loopback and real sipp peers.

The programs come from Debian (scripts/bootstrap.sh installs kamailio, sip-tester and
baresip-core); a machine without them skips these tests, naming what is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.siplab import Kamailio, SippPeer, binaries_missing


@pytest.fixture(autouse=True)
def _sip_programs() -> None:
    missing = binaries_missing()
    if missing:
        pytest.skip("needs " + ", ".join(missing) + " (scripts/bootstrap.sh installs them)")


@pytest.fixture
def kamailio(tmp_path: Path) -> Iterator[Kamailio]:
    """kamailio as registrar/proxy on a free loopback UDP port."""
    kam = Kamailio(tmp_path / "kamailio").start()
    yield kam
    kam.stop()


@pytest.fixture
def sipp_peer(tmp_path: Path, kamailio: Kamailio) -> Iterator[Callable[..., SippPeer]]:
    """``sipp_peer(account, scenario, **kw)``: a registered sipp unit running a scenario."""
    peers: list[SippPeer] = []

    def start(account: str, scenario: str, **kw: object) -> SippPeer:
        peer = SippPeer(tmp_path / f"peer-{len(peers)}", kamailio.server, account, scenario, **kw).start()  # type: ignore[arg-type]
        peers.append(peer)
        return peer

    yield start
    for peer in peers:
        peer.stop()
