"""Masking of personal data (reporter phone and ID numbers) for display and export."""

from __future__ import annotations

import re

_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
_ID = re.compile(r"(?<![0-9Xx])(\d{6})(\d{8})(\d{3}[0-9Xx])(?![0-9Xx])")


def mask_phone(phone: str | None) -> str:
    """138****5678 for a mainland mobile number; other numbers keep only their last 4 digits."""
    if not phone:
        return ""
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 11 and digits.startswith("1"):
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) <= 4:
        return "*" * len(digits)
    return "*" * (len(digits) - 4) + digits[-4:]


def mask_id_number(id_number: str | None) -> str:
    """440310********123X for an 18-character resident ID number."""
    if not id_number:
        return ""
    s = id_number.strip()
    if len(s) == 18:
        return f"{s[:6]}{'*' * 8}{s[-4:]}"
    if len(s) <= 4:
        return "*" * len(s)
    return "*" * (len(s) - 4) + s[-4:]


def mask_text(text: str) -> str:
    """Mask every mobile and ID number found inside free text (descriptions, notes)."""
    text = _ID.sub(lambda m: f"{m.group(1)}{'*' * 8}{m.group(3)[-4:]}", text)
    return _PHONE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
