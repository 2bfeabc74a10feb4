"""``python -m console.cap FILE...``: the same as ``pingshan-console cap``."""

from console.cap.cli import main_cap

if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main_cap())
