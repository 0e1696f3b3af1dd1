"""Suite-wide fixtures and the rules for tests that need real services.

REQUIRE_SERVICES=1 (set by .ci/run's second pass) makes PostgreSQL, Redis and Chromium *required*:
if any is missing the session fails at once instead of skipping. Without it, tests marked `worker`
or `browser` are skipped with the reason printed.
"""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

from . import factories

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
RUN_BROWSER = REQUIRE_SERVICES or os.environ.get("RUN_BROWSER_TESTS") == "1"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# The accessibility browser tests' engine, from the npm registry (tools/axe/package-lock.json; .ci/run installs it).
AXE = Path(__file__).resolve().parents[1] / "tools" / "axe" / "node_modules" / "axe-core" / "axe.min.js"


def _service_problems() -> list[str]:
    problems = []
    db = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in db:
        problems.append(f"DATABASE_URL must point at PostgreSQL (engine is {db})")
    if not settings.CELERY_BROKER_URL:
        problems.append("CELERY_BROKER_URL is not set")
    else:
        import redis

        try:
            redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=3).ping()
        except Exception as exc:  # reported as a failure below
            problems.append(f"the broker at {settings.CELERY_BROKER_URL} does not answer: {exc}")
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        problems.append(f"Chromium is missing at {CHROMIUM}")
    if not AXE.exists():
        problems.append(f"axe-core is missing at {AXE} (npm ci --prefix tools/axe)")
    return problems


def pytest_sessionstart(session):
    if REQUIRE_SERVICES:
        problems = _service_problems()
        if problems:
            raise pytest.UsageError("REQUIRE_SERVICES=1 but: " + "; ".join(problems))


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "browser" in item.keywords and not RUN_BROWSER:
            item.add_marker(pytest.mark.skip(reason="browser test: set RUN_BROWSER_TESTS=1 or REQUIRE_SERVICES=1"))
        if "worker" in item.keywords and not (REQUIRE_SERVICES and settings.CELERY_BROKER_URL):
            item.add_marker(pytest.mark.skip(reason="needs a real broker: run with REQUIRE_SERVICES=1 and CELERY_BROKER_URL"))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test database starts with the 21 cities, the GB/T 4754 divisions and Guangdong's districts."""
    with django_db_blocker.unblock():
        call_command("loaddata", "cities", "industries", "districts", verbosity=0)


def _forget_result_backend(app):
    """Sending a task caches the app's result backend (per thread); drop it so that a later test that
    configures a result backend gets the one it asks for."""
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)


@pytest.fixture(autouse=True)
def _tasks_in_process(request):
    """Outside the real-worker tests, Celery tasks run in-process even when a broker is configured, so no
    test leaves messages behind on the broker for a later worker test to trip over. A worker test starts
    from an empty queue."""
    from greenmfg.celery import app

    if request.node.get_closest_marker("worker"):
        app.control.purge()
        yield
        _forget_result_backend(app)
        return
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before
    _forget_result_backend(app)


@pytest.fixture(autouse=True)
def _reference_data_in_transactional_tests(request):
    """A transactional test (live server, real worker) empties every table when it ends, cities and
    industries included; give each such test the reference data back first."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server"))
    if transactional:
        request.getfixturevalue("transactional_db")
        from registry.models import City

        if not City.objects.exists():
            call_command("loaddata", "cities", "industries", "districts", verbosity=0)
    yield


@pytest.fixture(scope="session")
def signing_key_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("signing-keys")


@pytest.fixture(autouse=True)
def _signing_keys_of_this_session(settings, signing_key_dir):
    """Green-code signing keys are made on first use in a directory of this test session, never in the work tree."""
    settings.GREENCODE_SIGNING_KEY_DIR = str(signing_key_dir)


@pytest.fixture(autouse=True)
def _fast_hashing_and_no_lockout(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def django_assert_num_queries(django_assert_num_queries, db):
    """The same, with every content type already cached: a count never depends on which test ran before
    (the cache is process-wide, and transactional tests flush the table it mirrors)."""
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    ContentType.objects.get_for_models(*apps.get_models())
    return django_assert_num_queries


@pytest.fixture
def province(db):
    return factories.province_user()


@pytest.fixture
def gz_reviewer(db):
    return factories.city_user("广州市", "gz")


@pytest.fixture
def sz_reviewer(db):
    return factories.city_user("深圳市", "sz")


@pytest.fixture
def gz_unit(db):
    return factories.UnitFactory(city=factories.city("广州市"), name="广州测试绿色工厂有限公司")


@pytest.fixture
def sz_unit(db):
    return factories.UnitFactory(city=factories.city("深圳市"), name="深圳测试绿色工厂有限公司")


def login(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


# The hand-made green-code cohorts (tests/greencode/conftest.py) serve the rule-boundary tests at the top too.
from tests.greencode.conftest import make_factory  # noqa: E402, F401


@pytest.fixture
def english():
    """The code's own (English) wording for the test: `pytestmark = pytest.mark.usefixtures("english")`."""
    with translation.override("en"):
        yield
