"""Masking of personal data (reporter phone and ID numbers) for display and export.

Operators see enough to recognise a caller again (first three and last four
digits of a mobile) but a screenshot or an exported list does not carry the
whole number.
"""

from __future__ import annotations

import re

# A mainland mobile inside text: 11 digits starting 13–19, not part of a longer digit run.
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
# An 18-character resident ID (last character may be X), not part of a longer run.
_ID = re.compile(r"(?<![0-9Xx])(\d{6})(\d{8})(\d{3}[0-9Xx])(?![0-9Xx])")


def mask_phone(phone: str | None) -> str:
    """``138****5678`` for a mainland mobile (also written +86 138-1234-5678);
    other numbers keep only their last four digits."""
    if not phone:
        return ""
    if "*" in phone:
        return phone  # masked already (numbers leave the gateway masked)
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 13 and digits.startswith("861"):
        digits = digits[2:]  # +86 country code
    if len(digits) == 11 and digits.startswith("1"):
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) <= 4:
        return "*" * len(digits)
    return "*" * (len(digits) - 4) + digits[-4:]


def mask_id_number(id_number: str | None) -> str:
    """``440307********123X`` for an 18-character resident ID number (region code and
    last four kept, date of birth hidden); ``440307******123`` for the old 15-digit form."""
    if not id_number:
        return ""
    s = id_number.strip()
    if len(s) == 18:
        return f"{s[:6]}{'*' * 8}{s[-4:]}"
    if len(s) == 15:
        return f"{s[:6]}{'*' * 6}{s[-3:]}"
    if len(s) <= 4:
        return "*" * len(s)
    return "*" * (len(s) - 4) + s[-4:]


def mask_text(text: str) -> str:
    """Mask every mobile and ID number found inside free text (descriptions, notes)."""
    text = _ID.sub(lambda m: f"{m.group(1)}{'*' * 8}{m.group(3)}", text)
    return _PHONE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
