"""Personal data is masked before display: reporter phones and resident ID numbers."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from console.masking import mask_id_number, mask_phone, mask_text


def test_mobile_numbers() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+86 138-1234-5678") == "138****5678"
    assert mask_phone(" 19900001111 ") == "199****1111"


def test_other_numbers_keep_only_the_last_four_digits() -> None:
    assert mask_phone("0755-28331234") == "********1234"
    assert mask_phone("12345") == "*2345"
    assert mask_phone("110") == "***"
    assert mask_phone(None) == "" and mask_phone("") == ""


def test_id_numbers() -> None:
    assert mask_id_number("44030719900101123X") == "440307********123X"
    assert mask_id_number("440307199001011234") == "440307********1234"
    assert mask_id_number("440307900101123") == "440307******123"
    assert mask_id_number(None) == "" and mask_id_number("12") == "**"


def test_free_text() -> None:
    text = "市民 13812345678 反映，身份证 44030719900101123X，坪环社区积水"
    masked = mask_text(text)
    assert "13812345678" not in masked and "19900101" not in masked
    assert "138****5678" in masked and "440307********123X" in masked
    assert masked.endswith("坪环社区积水")
    assert mask_text("工单号 2026112800012345678901") == "工单号 2026112800012345678901", "longer digit runs are not phones"


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_no_mobile_number_survives(phone: str) -> None:
    masked = mask_phone(phone)
    assert masked == phone[:3] + "****" + phone[-4:]
    assert phone not in mask_text(f"电话{phone}。")
