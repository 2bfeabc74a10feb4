"""``python -m console.cap FILE...``: the same as ``pingshan-console cap``."""

from console.cap.cli import main_cap

raise SystemExit(main_cap())
