"""pytest plugin for `make mutation`: a SQLite test database of its own for every pytest session.

mutmut runs pytest many times inside one process and forks a child for each mutant. Django's settings are
read once, in mutmut's own process, so `greenmfg/settings.py`'s test database name (from `os.getpid()`)
would be the same file for every child. This plugin derives the name again, the same way, in the process
that runs the session, so no two sessions share a file, and removes the file when the session ends. A
child that mutmut kills for a timeout cannot clean up: tools/mutation.py points TMPDIR at a folder of
its own and removes that folder at the end.

When MUTATION_TEMPLATE_DB names a migrated database (tools/mutation.py makes one per run), the session
starts from a copy of it (pytest-django's --reuse-db on that copy) instead of migrating from nothing:
a copy takes milliseconds where migrating takes about two seconds, for each of thousands of mutants.

While mutmut records which tests reach which function ("stats"), the plugin adds each test's setup and
teardown time to the call time that mutmut records: mutmut runs a mutant's tests fastest first and gives
it (time of its tests + 1 s) x 15 before calling it a timeout, and our tests spend most of their time
building data in fixtures (a `seed_demo` fixture takes 3-7 s for a 0.1 s test). Counting only the call,
a slow-fixture test looks fast and runs first, and a surviving mutant can be cut off as a "timeout".

It also loads a hypothesis profile for mutation runs: the same examples every time (derandomize), no
example database, and no shrinking, so a property test that a mutant breaks fails at once instead of
spending minutes minimising the example, and a mutant is judged the same way on every run.

Loaded with `-p tools.mutation_db` from [tool.mutmut] pytest_add_cli_args.
"""

import contextlib
import os
import shutil
import tempfile

import pytest

_SUFFIXES = ("", "-journal", "-wal", "-shm")


def _test_db_name() -> str:
    return os.path.join(tempfile.gettempdir(), f"greenmfg-test-{os.getpid()}.sqlite3")


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.sqlite3":
        raise pytest.UsageError("mutation testing runs on SQLite: unset DATABASE_URL")
    name = _test_db_name()
    db.setdefault("TEST", {})["NAME"] = name
    config.stash[_NAME] = name
    _hypothesis_profile()
    template = os.environ.get("MUTATION_TEMPLATE_DB")
    if template and os.path.exists(template):
        shutil.copyfile(template, name)
        config.option.reuse_db = True


def pytest_runtest_logreport(report):
    if report.when != "call" and os.environ.get("MUTANT_UNDER_TEST") == "stats":
        from mutmut.state import state

        state().duration_by_test[report.nodeid] += report.duration


def _hypothesis_profile():
    from hypothesis import Phase, settings

    settings.register_profile("mutation", derandomize=True, database=None,
                              phases=[Phase.explicit, Phase.reuse, Phase.generate])
    settings.load_profile("mutation")


def pytest_unconfigure(config):
    name = config.stash.get(_NAME, None)
    if name:
        for suffix in _SUFFIXES:
            with contextlib.suppress(FileNotFoundError):
                os.remove(name + suffix)


_NAME = pytest.StashKey[str]()
