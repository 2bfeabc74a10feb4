"""Entry point of the frozen console (PyInstaller).

The bundle has one executable.  ``console/feed_process.py`` starts the embedded demo
feed as ``<python> -m simulator.server ...``; frozen, ``sys.executable`` is this
program, so that form is recognised here and runs the feed instead of the console.
"""

from __future__ import annotations

import sys


def main() -> int:
    argv = sys.argv[1:]
    if argv[:2] == ["-m", "simulator.server"]:
        from simulator.server import main as feed_main

        return int(feed_main(argv[2:]) or 0)
    from widgets.app import main as console_main

    return int(console_main(argv) or 0)


if __name__ == "__main__":
    sys.exit(main())
