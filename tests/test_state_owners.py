"""No module outside the owners assigns a state or status field (the issue's grep, done on the syntax tree).

Owners: reviews/workflow.py (filings, proposals, packages), registry/services.py (units),
greencode/services/codes.py (green codes), greencode/services/scoring.py (score runs). The demo and benchmark
builders write finished histories directly, for speed; they are listed with that reason and never run in a
request.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("registry", "reviews", "greencode", "greenmfg")
OWNERS = {
    "reviews/workflow.py",
    "registry/services.py",
    "greencode/services/codes.py",
    "greencode/services/scoring.py",
}
DATA_BUILDERS = {  # demo and benchmark data: a ready-made history, written in bulk
    "registry/demo.py", "reviews/demo.py", "greencode/demo.py", "greencode/services/bench.py", "reviews/synthetic.py",
}
FIELDS = {"state", "status"}
WRITERS = {"update", "create", "get_or_create", "update_or_create", "bulk_create"}
MODELS = {"Filing", "AdjustmentProposal", "CityPackage", "Unit", "GreenCode", "ScoreRun"}


def writes_of(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            for t in ast.walk(target):
                if isinstance(t, ast.Attribute) and t.attr in FIELDS:
                    lines.append(node.lineno)
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if (name in WRITERS or name in MODELS) and any(k.arg in FIELDS for k in node.keywords):
                lines.append(node.lineno)
    return lines


def offenders() -> dict[str, list[int]]:
    found = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            if "/migrations/" in rel or rel in OWNERS or rel in DATA_BUILDERS:
                continue
            lines = writes_of(ast.parse(path.read_text(encoding="utf-8")))
            if lines:
                found[rel] = lines
    return found


def test_state_owners_no_other_module_assigns_a_state():
    assert offenders() == {}


def test_state_owners_the_scan_finds_an_assignment():
    """The scan itself works: each kind of write it looks for is found."""
    tree = ast.parse("filing.state = 'accepted'\nQ.objects.filter(pk=1).update(status='removed')\n"
                     "GreenCode(state='issued')\nx.other = 1\nrender(request, 't', status=403)\n")
    assert writes_of(tree) == [1, 2, 3]
