"""Exact pins and `make audit` (tools/audit.py)."""

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import audit  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def test_audit_every_requirement_is_pinned_exactly():
    lines = [line.split("#")[0].strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    requirements = [line for line in lines if line]
    loose = [line for line in requirements if not re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][A-Za-z0-9.]*", line)]
    assert loose == []
    assert any(line.startswith("Django==") for line in requirements)
    assert any(line.startswith("defusedxml==") for line in requirements)


def test_audit_an_unreachable_service_is_said_plainly_and_exits_0(capsys):
    assert audit.main(service="http://127.0.0.1:9/{name}/{version}") == 0
    out = capsys.readouterr().out
    assert out.startswith("make audit: skipped - the vulnerability service cannot be reached from this machine")
    assert "Nothing was audited" in out


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/x", "http://256.0.0.1/x"])
def test_audit_reachable_is_false_without_an_answer(url):
    assert audit.reachable(url, timeout=1) is False
