# Every target bootstraps .venv itself, so a fresh machine needs only Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
FLASK := $(BIN)/flask --app meetingprep

.PHONY: run test lint bench load clean-venv

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e ".[server]"
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e ".[server,postgres,test]"
	touch $@

run: $(VENV)/.installed-run
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	$(FLASK) serve --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e ".[server,postgres,test,bench]"
	touch $@

# BENCH_ARGS="--scales small,large,xl --database-url postgresql+psycopg://postgres@127.0.0.1:5432/meetingprep_bench"
bench: $(VENV)/.installed-bench
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

# LOAD_ARGS="--database-url postgresql+psycopg://postgres@127.0.0.1:5432/meetingprep_bench --run-time 60"
load: $(VENV)/.installed-bench
	$(BIN)/python -m benchmarks.load $(LOAD_ARGS)

clean-venv:
	rm -rf $(VENV)
