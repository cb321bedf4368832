# Every target bootstraps .venv itself, so a fresh machine needs only Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
FLASK := $(BIN)/flask --app meetingprep

.PHONY: run test lint bench bench-diff bench-crawl bench-rush load lock clean-venv

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Installs take exact versions from requirements.lock (what CI tested); `make lock` refreshes it.
LOCK := requirements.lock
PIP_INSTALL := $(BIN)/pip install --quiet --constraint $(LOCK)

$(VENV)/.installed-run: pyproject.toml $(LOCK) | $(BIN)/activate
	$(PIP_INSTALL) -e ".[server]"
	touch $@

$(VENV)/.installed-test: pyproject.toml $(LOCK) | $(BIN)/activate
	$(PIP_INSTALL) -e ".[server,postgres,test]"
	touch $@

# Links in QR codes, mails and robot messages: BASE_URL if configured (or `make run BASE_URL=https://…`),
# else derived by `flask serve` from HOST and PORT (the machine's LAN address when HOST is 0.0.0.0).
run: $(VENV)/.installed-run
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	$(if $(BASE_URL),MEETINGPREP_BASE_URL='$(BASE_URL)' )$(FLASK) serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

# The fuzz wall's long campaign: FUZZ_EXAMPLES examples per route, randomized (the suite runs 10, fixed).
# On PostgreSQL: TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test make fuzz
FUZZ_EXAMPLES ?= 300
fuzz: $(VENV)/.installed-test
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest tests/fuzz -q -p no:cacheprovider $(PYTEST_ARGS)

$(VENV)/.installed-bench: pyproject.toml $(LOCK) | $(BIN)/activate
	$(PIP_INSTALL) -e ".[server,postgres,test,bench]"
	touch $@

# BENCH_ARGS="--scales small,large,xl --database-url postgresql+psycopg://postgres@127.0.0.1:5432/meetingprep_bench"
bench: $(VENV)/.installed-bench
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

# The version diff on two 200,000-character versions, in-process (no server): DIFF_ARGS="--chars 400000"
bench-diff: $(VENV)/.installed-run
	$(BIN)/python -m benchmarks.diff $(DIFF_ARGS)

# Every page each demo role reaches by following links, beside the floor (CRAWL_ARGS="--scale large").
bench-crawl: $(VENV)/.installed-bench
	$(BIN)/python -m benchmarks.crawl $(CRAWL_ARGS)

# The opening morning: the roster checks in within 3 minutes while walls and staff read (RUSH_ARGS="--scale large",
# add --database-url postgresql+psycopg://postgres@127.0.0.1:5432/meetingprep_bench for PostgreSQL).
bench-rush: $(VENV)/.installed-bench
	$(BIN)/python -m benchmarks.rush $(RUSH_ARGS)

# LOAD_ARGS="--database-url postgresql+psycopg://postgres@127.0.0.1:5432/meetingprep_bench --run-time 60"
load: $(VENV)/.installed-bench
	$(BIN)/python -m benchmarks.load $(LOAD_ARGS)

clean-venv:
	rm -rf $(VENV)

# Resolve pyproject's ranges afresh in a throw-away venv and pin the result (every extra) into $(LOCK).
# Review the diff, run `make test`, commit both.
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip
	.lock-venv/bin/pip install --quiet -e ".[server,postgres,test,bench]"
	{ echo "# Exact versions for make run / make test / make bench (pip --constraint). Refresh: make lock."; \
	  .lock-venv/bin/pip freeze --exclude-editable; } > $(LOCK)
	rm -rf .lock-venv

# Each role's main page at 390, 1024 and 1920 px, the wall at 1920 and the ledger on a phone, into docs/screenshots/ (demo data, Chromium at /usr/bin/chromium).
screenshots: $(VENV)/.installed-test
	$(BIN)/python -m tests.e2e.screenshots
