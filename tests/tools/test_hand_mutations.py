"""`make hand-mutations` (tools/hand_mutations.py): the catalogue matches the code, and a run tells caught from missed."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import hand_mutations  # noqa: E402
from hand_mutations import Mutation  # noqa: E402


def test_hand_mutations_every_snippet_is_found_once_and_every_test_path_exists():
    assert hand_mutations.problems() == []


def test_hand_mutations_catalogue_problems_are_named(tmp_path):
    (tmp_path / "rules.py").write_text("LIMIT = 8\nLIMIT = 8\nOTHER = 1\n")
    (tmp_path / "tests").mkdir()
    catalogue = [
        Mutation("twice", "rules.py", "LIMIT = 8", "LIMIT = 7", ("tests",), "-"),
        Mutation("absent", "rules.py", "NOPE", "YES", ("tests",), "-"),
        Mutation("no-file", "gone.py", "A", "B", ("tests",), "-"),
        Mutation("no-tests", "rules.py", "OTHER = 1", "OTHER = 2", ("tests/test_gone.py",), "-"),
        Mutation("no-tests", "rules.py", "OTHER = 1", "OTHER = 1", ("tests",), "-"),
    ]

    assert hand_mutations.problems(catalogue, root=tmp_path) == [
        "no-tests: the name is used twice",
        "twice: rules.py holds the snippet 2 times (must be once)",
        "absent: rules.py holds the snippet 0 times (must be once)",
        "no-file: no file gone.py",
        "no-tests: no test path tests/test_gone.py",
        "no-tests: the mutation changes nothing",
    ]


def test_hand_mutations_a_run_tells_caught_from_missed_and_restores_the_file(tmp_path):
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "rules.py").write_text("def late(days):\n    return days > 3\n")
    (tmp_path / "test_rules.py").write_text(
        "from rules import late\n\n\ndef test_late():\n    assert late(4) and not late(3)\n")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(PYTHONPATH=str(tmp_path), PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")  # a bare pytest: no Django, faster
    boundary = Mutation("boundary", "rules.py", "days > 3", "days >= 3", ("test_rules.py",), "-")
    untested = Mutation("untested", "rules.py", "def late(days):", "def late(days, unused=None):",
                        ("test_rules.py",), "-")

    caught, first_failure, _seconds = hand_mutations.run_one(boundary, tmp_path, env)
    missed, summary, _seconds = hand_mutations.run_one(untested, tmp_path, env)

    assert (caught, first_failure) == (True, "test_rules.py::test_late")
    assert missed is False and summary.startswith("1 passed")
    assert (tmp_path / "rules.py").read_text() == "def late(days):\n    return days > 3\n"
