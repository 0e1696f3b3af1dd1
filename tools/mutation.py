"""Mutation testing of the rule modules with mutmut, serially (`make mutation`).

    python tools/mutation.py                             # every rule module ([tool.mutmut] only_mutate)
    python tools/mutation.py registry/creditcode.py      # a subset: files or folders among the rule modules
    python tools/mutation.py --jobs 2 ...                # two mutants at a time (default: one, serially)
    python tools/mutation_report.py                      # kill rate per module, and the survivors

The rule modules are split into groups ([tool.mutation.groups] in pyproject.toml), each judged by its
own test folders. For each group the run copies the project (the files git knows, committed or not) to
.mutation/<group>/ (.mutation/<group>--<module>... for a part of a group) and runs `mutmut run --max-children 1` there. mutmut copies that again to
.mutation/<group>/mutants/, mutates the group's modules, runs the group's tests once to record which
tests reach which function, and then runs, for each mutant, only the tests that reached the mutated
function (fastest first, stopping at the first failure). A group that is run starts from nothing, so
its figures never depend on an earlier run (groups not run keep their last results for the report), and
the working tree is never touched.

What the staged copy changes, and only there:

* mutmut does not mutate a decorated function (it cannot copy the decorator safely), and most of our
  rules are `@transaction.atomic` services or `@property`s. In the staged rule modules such a decorator
  line is blanked and the decorator is applied after the definitions, at the end of the module
  (`update_unit = transaction.atomic(update_unit)`, `Roles.any = property(Roles.any)`), which is what
  the decorator does anyway. Every line keeps its number, so file:line in the report is the source's.
* [tool.mutmut] only_mutate and the test selection are narrowed to the group (and to MODULES).

mutmut is run with one change of its own: it never mutates inside a call of `_`/`gettext`/`ngettext`
(it already leaves `len` and `isinstance` calls alone), because a changed message id is not a broken rule
and, in a function that every test reaches, each such survivor would cost a full run of the tests.

The test database: one migrated SQLite template per run; every pytest session that mutmut starts copies
it to a file named after its own process id (tools/mutation_db.py), so no two sessions share a database
and none has to migrate. TMPDIR points at a folder of this run's own, in memory (/dev/shm, which makes
the tests about a third faster than on disk) where there is one, else .mutation/tmp/; the folder is
removed at the end, whatever happened, so a mutant killed for a timeout leaves nothing behind.
"""

import ast
import fnmatch
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAGE = ROOT / ".mutation"
# Decorators that the staged copy applies after the definition instead (see the module docstring).
DEFERRED_DECORATORS = {"transaction.atomic", "property"}
# Calls whose arguments mutmut leaves alone, in addition to its own `len` and `isinstance`.
MESSAGE_CALLS = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy"}
# Environment that would point the run at real services; mutation testing runs on SQLite, in-process.
SERVICE_VARIABLES = ("DATABASE_URL", "CELERY_BROKER_URL", "REQUIRE_SERVICES", "RUN_BROWSER_TESTS", "REDIS_CACHE_URL")


def load_config(root: Path = ROOT) -> dict:
    return tomllib.loads((root / "pyproject.toml").read_text("utf-8"))["tool"]


def rule_modules(config: dict) -> list[str]:
    """The files that [tool.mutmut] only_mutate selects and do_not_mutate does not, relative to the project root."""
    found = []
    skipped = config["mutmut"].get("do_not_mutate", [])
    for source in config["mutmut"]["source_paths"]:
        for path in sorted((ROOT / source).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if (any(fnmatch.fnmatch(relative, pattern) for pattern in config["mutmut"]["only_mutate"])
                    and not any(fnmatch.fnmatch(relative, pattern) for pattern in skipped)):
                found.append(relative)
    return found


def group_modules(config: dict, modules: list[str]) -> dict[str, list[str]]:
    """{group name: its rule modules}; every rule module must belong to exactly one group."""
    groups = {g["name"]: [m for m in modules if any(fnmatch.fnmatch(m, p) for p in g["modules"])]
              for g in config["mutation"]["groups"]}
    for module in modules:
        owners = [name for name, members in groups.items() if module in members]
        if len(owners) != 1:
            raise SystemExit(f"pyproject.toml: {module} must be in exactly one [[tool.mutation.groups]] (is in {owners})")
    return groups


def select(requested: list[str], modules: list[str]) -> list[str]:
    """The rule modules that `requested` (files or folders) names; every name must match one."""
    chosen = []
    for name in requested:
        name = name.strip().removeprefix("./").rstrip("/")
        matches = [m for m in modules if m == name or m.startswith(name + "/")]
        if not matches:
            raise SystemExit(f"{name} is not a rule module nor a folder of one; the rule modules are:\n  "
                             + "\n  ".join(modules))
        chosen += [m for m in matches if m not in chosen]
    return chosen


def defer_decorators(source: str) -> tuple[str, list[str]]:
    """Blank each `@transaction.atomic` / `@property` line of a top-level function or method and apply the
    decorator at the end of the module instead. Returns the new source and the lines appended."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    tail: list[str] = []

    def visit(body, owner: str | None):
        for node in body:
            if isinstance(node, ast.ClassDef) and owner is None:
                visit(node.body, node.name)
            elif isinstance(node, ast.FunctionDef) and len(node.decorator_list) == 1:
                decorator = node.decorator_list[0]
                text = ast.unparse(decorator)
                line = decorator.lineno - 1
                if text in DEFERRED_DECORATORS and lines[line].strip() == "@" + text:
                    lines[line] = "\n"
                    target = f"{owner}.{node.name}" if owner else node.name
                    tail.append(f"{target} = {text}({target})\n")

    visit(tree.body, None)
    if not tail:
        return source, []
    if not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    new = "".join(lines) + "\n\n# Applied after the definitions by tools/mutation.py, so that mutmut mutates them.\n"
    new += "".join(tail)
    ast.parse(new)
    return new, tail


def set_list(text: str, key: str, values: list[str]) -> str:
    """Replace `key = [...]` (one line or several) in the staged pyproject.toml."""
    listed = "[\n" + "".join(f'    "{v}",\n' for v in values) + "]"
    text, count = re.subn(rf"(?ms)^{key} = \[.*?\]$", lambda _: f"{key} = {listed}", text)
    if count != 1:
        raise SystemExit(f"pyproject.toml: [tool.mutmut] {key} must appear once, as a list")
    return text


def project_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
                         cwd=ROOT, check=True, capture_output=True).stdout.decode()
    return [f for f in out.split("\0") if f and (ROOT / f).is_file()]


def stage(target: Path, files: list[str], modules: list[str], tests: list[str]) -> None:
    for name in files:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target / name)
    for module in modules:
        path = target / module
        new, tail = defer_decorators(path.read_text("utf-8"))
        if tail:
            path.write_text(new, "utf-8")
            print(f"  {module}: decorators applied after the definitions: " + ", ".join(t.split(" = ")[0] for t in tail))
    pyproject = target / "pyproject.toml"
    text = set_list(pyproject.read_text("utf-8"), "only_mutate", modules)
    text = set_list(text, "pytest_add_cli_args_test_selection", tests)
    pyproject.write_text(text, "utf-8")


def run_mutmut(argv: list[str]) -> None:
    """`tools/mutation.py --mutmut run ...`: mutmut's own command line, leaving message calls alone."""
    sys.path.pop(0)  # this folder; mutmut puts mutants/ first
    from mutmut.__main__ import cli
    from mutmut.mutation import file_mutation

    file_mutation.NEVER_MUTATE_FUNCTION_CALLS.update(MESSAGE_CALLS)
    sys.argv = ["mutmut", *argv]
    cli()


def _stop(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str]) -> int:
    jobs = "1"
    if argv[:1] == ["--jobs"]:
        jobs, argv = argv[1], argv[2:]
    config = load_config()
    modules = rule_modules(config)
    groups = group_modules(config, modules)
    chosen = select(argv, modules) if argv else modules
    tests_by_group = {g["name"]: g["tests"] for g in config["mutation"]["groups"]}
    started = time.monotonic()
    signal.signal(signal.SIGTERM, _stop)
    runs = {}  # {stage folder: (group, modules)}: the group's name, or the group and the modules run
    for name, members in groups.items():
        picked = [m for m in members if m in chosen]
        if picked:
            folder = name if picked == members else "--".join([name, *(Path(m).stem for m in picked)])[:120]
            runs[folder] = (name, picked)
    STAGE.mkdir(exist_ok=True)
    (STAGE / ".gitignore").write_text("*\n")
    for folder in runs:  # these start from nothing; other folders keep their results (the report takes
        shutil.rmtree(STAGE / folder, ignore_errors=True)  # each module from its newest run)
    memory = Path("/dev/shm")
    in_memory = memory.is_dir() and os.access(memory, os.W_OK)
    tmp = memory / f"greenmfg-mutation-{os.getpid()}" if in_memory else STAGE / "tmp"
    tmp.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES and not k.startswith("MUTANT")}
    env.update(TMPDIR=str(tmp), MUTATION_TEMPLATE_DB=str(tmp / "template.sqlite3"), PYTHONDONTWRITEBYTECODE="1")
    files = project_files()
    codes = {}
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, check=True,
                       env={**env, "DATABASE_URL": f"sqlite:///{tmp / 'template.sqlite3'}"})
        for folder, (name, members) in runs.items():
            target = STAGE / folder
            print(f"\n=== {name}: {' '.join(members)}; tests: {' '.join(tests_by_group[name])}", flush=True)
            stage(target, files, members, tests_by_group[name])
            group_started = time.monotonic()
            proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--mutmut", "run",
                                     "--max-children", jobs], cwd=target, env=env)
            try:
                codes[name] = proc.wait()
            except KeyboardInterrupt:
                proc.terminate()
                proc.wait()
                raise
            (target / "duration.txt").write_text(f"{time.monotonic() - group_started:.0f}\n")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    minutes, seconds = divmod(round(time.monotonic() - started), 60)
    print(f"\nmutation run took {minutes} min {seconds} s; mutmut exit codes: {codes}")
    return max(codes.values(), default=0)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--mutmut"]:
        run_mutmut(sys.argv[2:])
    else:
        sys.exit(main(sys.argv[1:]))
