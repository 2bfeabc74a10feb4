"""Pinyin forms of Chinese text for the alert search (operators type ``maluan`` or ``ml``
for 马峦 when no Chinese input method is at hand).

Two speeds, because the queue holds up to 100,000 alerts and each is indexed once:

- names (streets, communities, units, categories) are few and repeat, so they go
  through pypinyin's phrase-aware conversion once each and are remembered
  (坑梓 → kengzi, 长岭 → changling);
- titles are many and mostly distinct, so they are converted character by character
  with ``str.translate`` over a table built once from pypinyin's character data
  (first reading of each character; C speed, a few microseconds per title).

Each form is the full pinyin without spaces or tones (ü as ``v``) followed by the
initials: ``马峦街道`` → ``maluanjiedao mljd``. Without pypinyin installed the forms
are empty and search falls back to the Chinese text alone.
"""

from __future__ import annotations

import logging
import unicodedata
from functools import lru_cache

log = logging.getLogger(__name__)

_WARNED = False


def _strip_tone(reading: str) -> str:
    reading = reading.replace("ü", "v")
    return "".join(c for c in unicodedata.normalize("NFKD", reading) if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[int, str], dict[int, str]] | None:
    """Character → full pinyin and character → initial, as ``str.translate`` tables."""
    global _WARNED
    try:
        from pypinyin.pinyin_dict import pinyin_dict
    except ImportError:
        if not _WARNED:
            log.warning("pypinyin is not installed: search by pinyin is off")
            _WARNED = True
        return None
    full: dict[int, str] = {}
    initial: dict[int, str] = {}
    for cp, readings in pinyin_dict.items():
        syllable = _strip_tone(readings.split(",", 1)[0])
        if syllable:
            full[cp] = syllable
            initial[cp] = syllable[0]
    return full, initial


def text_forms(text: str) -> str:
    """Full pinyin and initials of ``text``, character by character (fast; for titles)."""
    tables = _tables()
    if tables is None or not text:
        return ""
    full, initial = tables
    low = text.lower()
    return f"{low.translate(full)} {low.translate(initial)}"


@lru_cache(maxsize=4096)
def name_forms(name: str) -> str:
    """Full pinyin and initials of a name, phrase-aware (for the few names that repeat)."""
    if not name or _tables() is None:
        return ""
    from pypinyin import lazy_pinyin

    syllables = [_strip_tone(s).lower().replace(" ", "") for s in lazy_pinyin(name, v_to_u=False)]
    syllables = [s for s in syllables if s]
    return f"{''.join(syllables)} {''.join(s[0] for s in syllables)}"
