"""The headless commands, run as a user would: ``python -m console.cli …`` in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from console import cli
from console.feed_process import FeedProcess
from console.models import parse_envelope, wire_models

ROOT = Path(__file__).resolve().parents[2]


def cli_run(*args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "console.cli", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=str(ROOT))


def test_headless_command_names() -> None:
    assert {"schema", "record", "replay", "audit"} <= set(cli.HEADLESS_COMMANDS)


def test_record_prints_counts_and_writes_valid_jsonl(feed: FeedProcess, tmp_path: Path) -> None:
    out = tmp_path / "rec" / "stream.jsonl"
    proc = cli_run("record", "--backend", feed.url or "", "--seconds", "3", "--jsonl", str(out),
                   "--cache", str(tmp_path / "cache"))
    assert proc.returncode == 0, proc.stderr
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith("accepted=") and " rejected=" in last
    accepted = int(last.split()[0].split("=")[1])
    rejected = int(last.split()[1].split("=")[1])
    assert accepted > 0 and rejected == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == accepted
    envelopes = [parse_envelope(line) for line in lines]
    ids = [int(e.id) for e in envelopes]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert (tmp_path / "cache" / "console.sqlite").exists()

    # The recording plays back through Ingest with nothing skipped.
    replayed = cli_run("replay", "--jsonl", str(out), "--cache", str(tmp_path / "replay"))
    assert replayed.returncode == 0, replayed.stderr
    assert replayed.stdout.strip().splitlines()[-1] == f"played={accepted} skipped=0"


def test_record_against_no_gateway_reports_zero(tmp_path: Path) -> None:
    proc = cli_run("record", "--backend", "http://127.0.0.1:9", "--seconds", "1", "--jsonl",
                   str(tmp_path / "x.jsonl"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "accepted=0 rejected=0"
    assert "未录到数据" in proc.stderr


def test_record_moves_on_from_a_gateway_that_does_not_answer(feed: FeedProcess, tmp_path: Path) -> None:
    # The first --backend refuses connections; the recording comes from the second.
    out = tmp_path / "two.jsonl"
    proc = cli_run("record", "--backend", "http://127.0.0.1:9", "--backend", feed.url or "", "--seconds", "3",
                   "--jsonl", str(out))
    assert proc.returncode == 0, proc.stderr
    accepted = int(proc.stdout.strip().splitlines()[-1].split()[0].split("=")[1])
    assert accepted > 0 and len(out.read_text(encoding="utf-8").splitlines()) == accepted


def test_schema_writes_one_file_per_model_and_the_openapi(tmp_path: Path) -> None:
    proc = cli_run("schema", "--out", str(tmp_path / "schema"))
    assert proc.returncode == 0, proc.stderr
    for name in wire_models():
        doc = json.loads((tmp_path / "schema" / f"{name}.schema.json").read_text(encoding="utf-8"))
        assert doc.get("properties") or doc.get("oneOf") or doc.get("anyOf"), name
    envelope = json.loads((tmp_path / "schema" / "Envelope.schema.json").read_text(encoding="utf-8"))
    assert "alert.upsert" in json.dumps(envelope)
    api = json.loads((tmp_path / "schema" / "openapi.json").read_text(encoding="utf-8"))
    assert api["openapi"].startswith("3.") and "/api/v1/snapshot" in api["paths"]
    assert "/api/v1/commands" in api["paths"] and not any(p.startswith("/_sim") for p in api["paths"])


def test_audit_is_handed_to_the_audit_module(tmp_path: Path) -> None:
    proc = cli_run("audit", "verify", "--cache", str(tmp_path / "nowhere"))
    assert proc.returncode == 2 and "找不到缓存文件" in proc.stderr


def test_bad_arguments_exit_nonzero() -> None:
    proc = cli_run("record", "--seconds", "1")
    assert proc.returncode != 0 and "--backend" in proc.stderr
