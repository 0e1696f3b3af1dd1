"""The kill rate per rule module from the last `make mutation` run, and every surviving mutant.

    python tools/mutation_report.py               # table, total, then the survivors of each module
    python tools/mutation_report.py --markdown    # the same table in Markdown (for the README)

Reads mutmut's results in .mutation/<group>/mutants/ (see tools/mutation.py). A mutant is *detected*
when a test failed (killed) or the tests ran past mutmut's time limit (timeout: the mutant made the code
loop or crawl). The kill rate is detected ÷ mutants checked. A survivor is a mutant that every test that
reaches its function passed with; "no tests" means no test of the group reaches the function at all.
Each survivor is listed as file:line, the function, and the line before → after, so that an engineer can
judge whether it is equivalent or a missing test.
"""

import ast
import json
import os
import re
import sys
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAGE = ROOT / ".mutation"

# mutmut's exit codes (mutmut/stats.py), folded into the columns of the table.
STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", 34: "skipped",
          36: "timeout", -24: "timeout", 24: "timeout", 152: "timeout", 255: "timeout",
          -9: "timeout",  # past the hard CPU limit mutmut sets, one second after SIGXCPU
          None: "not checked"}
COLUMNS = ("killed", "timeout", "survived", "no tests", "not run")
DETECTED = ("killed", "timeout")
UNDETECTED = ("survived", "no tests")


def status(code) -> str:
    return STATUS.get(code, "other")


@contextmanager
def cwd(path: Path):
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def results() -> dict[str, tuple[Path, dict]]:
    """{module path: (its stage folder, mutmut's meta data)} for every mutated module, from the newest
    run that mutated it."""
    found = {}
    metas = STAGE.glob("*/mutants/**/*.py.meta")
    for meta in sorted(metas, key=lambda p: p.stat().st_mtime):
        group = meta.parents[0]
        while group.name != "mutants":
            group = group.parent
        module = meta.relative_to(group).as_posix().removesuffix(".meta")
        data = json.loads(meta.read_text("utf-8"))
        if data["exit_code_by_key"]:
            found[module] = (group.parent, data)
    return dict(sorted(found.items(), key=lambda item: _module_order(item[0])))


def _module_order(module: str) -> tuple:
    return (["greenmfg", "registry", "reviews", "greencode"].index(module.split("/")[0]), module)


def function_lines(source: str) -> dict[tuple[str | None, str], int]:
    """{(class or None, function name): line of its `def`} for top-level functions and methods."""
    lines = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            lines[(None, node.name)] = node.lineno
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    lines[(node.name, item.name)] = item.lineno
    return lines


def describe(group: Path, module: str, key: str, defs: dict) -> tuple[int, str, str]:
    """(line in the source, function, "before → after") for one mutant."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant
    from mutmut.utils.format_utils import orig_function_and_class_names_from_key

    function, klass = orig_function_and_class_names_from_key(key)
    with cwd(group):
        diff = get_diff_for_mutant(key, path=module).splitlines()
    # The diff is of the function alone; its first lines may be comments above the `def`.
    body = [line[1:] for line in diff if line[:1] in " -" and not line.startswith("---")]
    def_offset = next((i for i, line in enumerate(body) if re.match(r"\s*(async\s+)?def\s", line)), 0)
    before, after, first = [], [], None
    old = 0
    for line in diff:
        if line.startswith("@@"):
            old = int(re.match(r"@@ -(\d+)", line).group(1))
        elif line.startswith(("---", "+++")):
            continue
        elif line.startswith("-"):
            first = old if first is None else first
            before.append(line[1:].strip())
            old += 1
        elif line.startswith("+"):
            first = old if first is None else first
            after.append(line[1:].strip())
        elif line.startswith(" "):
            old += 1
    name = f"{klass}.{function}" if klass else function
    line_no = defs.get((klass, function), 0) + (first or 1) - 1 - def_offset
    return line_no, name, f"{' / '.join(before)}  →  {' / '.join(after) or '(removed)'}"


def table(found: dict, markdown: bool) -> list[str]:
    rows, total = [], Counter()
    for module, (_, data) in found.items():
        counts = Counter(status(code) for code in data["exit_code_by_key"].values())
        counts["not run"] += sum(counts.pop(s, 0) for s in ("skipped", "not checked", "other"))
        total.update(counts)
        rows.append((module, counts))
    rows.append(("total", total))
    out = []
    head = ("module", "mutants", *COLUMNS, "kill rate")
    if markdown:
        out += ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    else:
        out.append(f"{head[0]:<34}" + "".join(f"{h:>10}" for h in head[1:]))
    for module, counts in rows:
        checked = sum(counts[c] for c in (*DETECTED, *UNDETECTED))
        rate = f"{100 * sum(counts[c] for c in DETECTED) / checked:.1f} %" if checked else "-"
        cells = (sum(counts.values()), *(counts[c] for c in COLUMNS), rate)
        if markdown:
            name = f"**{module}**" if module == "total" else f"`{module}`"
            out.append(f"| {name} | " + " | ".join(str(c) for c in cells) + " |")
        else:
            out.append(f"{module:<34}" + "".join(f"{c:>10}" for c in cells))
    return out


def main(argv: list[str]) -> int:
    found = results()
    if not found:
        print("No mutation results: run `make mutation` first.")
        return 1
    markdown = "--markdown" in argv
    print("Kill rate per module: (killed + timeout) ÷ (killed + timeout + survived + no tests)\n")
    print("\n".join(table(found, markdown)))
    print()
    for folder in sorted({group for group, _ in found.values()}):
        duration = folder / "duration.txt"
        if duration.exists():
            seconds = int(duration.read_text())
            print(f"{'' if markdown else '  '}{folder.name}: mutmut took {seconds // 60} min {seconds % 60} s")
    if markdown:
        return 0
    for module, (group, data) in found.items():
        survivors = [k for k, code in data["exit_code_by_key"].items() if status(code) in UNDETECTED]
        if not survivors:
            continue
        defs = function_lines((group / module).read_text("utf-8"))
        print(f"\n{module}: {len(survivors)} survivor(s)")
        described = sorted((describe(group, module, key, defs), key, status(data["exit_code_by_key"][key]))
                           for key in survivors)
        for (line, name, change), key, state in described:
            note = "  [no tests]" if state == "no tests" else ""
            print(f"  {module}:{line}  {name}: {change}{note}   ({key.rpartition('.')[2]})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
