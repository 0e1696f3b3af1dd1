# The two set-up commands are `make run` and `make test`; both install what they need first.
# `make mutation` (mutation testing of the rule modules with mutmut) and `make hand-mutations` are slow and are not
# part of CI.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)
BENCH_STAMP := $(VENV)/.bench-installed-$(shell cksum requirements-bench.txt | cut -d' ' -f1)
HOST   ?= 127.0.0.1:8000
# Where QR codes, certificates and mailed links point. Serving other machines (HOST=0.0.0.0:8000), give the address
# they use, e.g. `make run HOST=0.0.0.0:8000 PORTAL_BASE_URL=http://192.168.1.20:8000`; that host is then allowed too.
PORTAL_BASE_URL ?= http://$(subst 0.0.0.0,127.0.0.1,$(HOST))
PORTAL_HOST := $(firstword $(subst :, ,$(patsubst https://%,%,$(patsubst http://%,%,$(PORTAL_BASE_URL)))))

.PHONY: install system bench-deps run test test-all lint audit messages bench mutation hand-mutations worker beat clean

$(STAMP): requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

## The Debian packages beyond Python (PDF fonts and libraries, the document tests' tools): installed with apt-get
## when missing and run as root, otherwise the apt-get command is printed (tools/system_packages.sh).
system:
	@bash tools/system_packages.sh

# pandas and numpy for the portal-versus-pandas benchmark only (not runtime dependencies of the portal).
$(BENCH_STAMP): requirements-bench.txt $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-bench.txt
	@rm -f $(VENV)/.bench-installed-*
	@touch $(BENCH_STAMP)

## pandas and numpy only (CI installs them so that the benchmark's yardstick is tested against the portal).
bench-deps: install $(BENCH_STAMP)

## Serve the portal on SQLite with demo data and demo accounts (http://127.0.0.1:8000; HOST=0.0.0.0:8000 and
## PORTAL_BASE_URL=http://<this machine's address>:8000 to open it from a phone on the same network).
run: install system
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=1 $(BIN)/python manage.py seed_demo --once
	DJANGO_DEBUG=1 PORTAL_BASE_URL=$(PORTAL_BASE_URL) \
	  DJANGO_ALLOWED_HOSTS=$${DJANGO_ALLOWED_HOSTS:-localhost,127.0.0.1,[::1],$(PORTAL_HOST)} \
	  $(BIN)/python manage.py runserver $(HOST)

## The whole test suite. Set DATABASE_URL / CELERY_BROKER_URL / REQUIRE_SERVICES=1 for the service run.
test: install system
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run

## pip-audit over the exact pins of requirements.txt; says plainly (exit 0) when no vulnerability service is reachable.
audit: install
	$(BIN)/python tools/audit.py

## Regenerate the translation catalogues (needs GNU gettext), then compile them.
messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans -l en --no-obsolete --ignore=.venv --ignore=tests --ignore=bench --ignore=tools
	$(BIN)/python tools/po_fill.py --missing
	$(BIN)/python tools/po_fill.py

## Benchmarks, printed as JSON lines, on the configured database (first the portal against pandas at 100,000).
## One part only: make bench BENCH_ARGS="--only pandas" (see bench/run.py for the options).
BENCH_ARGS ?=
bench: install $(BENCH_STAMP)
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python bench/run.py $(BENCH_ARGS)

## Mutation testing (mutmut, serially) of the rule modules, each judged by its own tests; then the kill
## rate per module and every surviving mutant (tools/mutation_report.py). Slow: hours for all of them
## (see README), minutes for one module: `make mutation MODULES="registry/creditcode.py reviews/checks.py"`
## (files or folders). JOBS=2 runs two mutants at a time. Results stay in .mutation/ for the report.
MODULES ?=
JOBS    ?= 1
mutation: install
	$(BIN)/python tools/mutation.py --jobs $(JOBS) $(MODULES); status=$$?; \
	$(BIN)/python tools/mutation_report.py; exit $$status

# Hand-made breaks of the core rules, each judged by its own tests (tools/hand_mutations.py); NAMES picks some.
NAMES ?=
hand-mutations: install
	$(BIN)/python tools/hand_mutations.py $(NAMES)

worker: install
	$(BIN)/celery -A greenmfg worker -l info -Q greenmfg

beat: install
	$(BIN)/celery -A greenmfg beat -l info

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .mutation mutants
