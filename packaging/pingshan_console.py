"""Entry point of the frozen console (PyInstaller).

The bundle has one executable.  ``console/feed_process.py`` starts the embedded demo
feed as ``<python> -m simulator.server ...``; frozen, ``sys.executable`` is this
program, so that form is recognised here and runs the feed instead of the console.
``pingshan-console street-node …`` runs a street sub-centre's node (its NATS leaf server,
bundled next to this program, and the street gateway: :func:`gateway.street.street_node_main`).
"""

from __future__ import annotations

import sys


def main() -> int:
    argv = sys.argv[1:]
    if argv[:2] == ["-m", "simulator.server"]:
        from simulator.server import main as feed_main

        return int(feed_main(argv[2:]) or 0)
    if argv[:1] == ["street-node"]:
        from gateway.server import main as gateway_main
        from gateway.street import street_node_main

        return int(street_node_main(argv[1:], serve=gateway_main) or 0)
    from widgets.shell.app import main as console_main

    return int(console_main(argv) or 0)


if __name__ == "__main__":
    sys.exit(main())
