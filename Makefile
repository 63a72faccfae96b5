# Two commands do all the set-up: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint install browser clean

$(BIN)/agendasync: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/agendasync

demo: install
	$(BIN)/agendasync --db sqlite:///demo.db demo

# The browser tests drive Debian's Chromium (never a downloaded one): installed here when
# missing and we are root (CI); otherwise say how, and those tests skip (or fail under CI).
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	  else \
	    echo "Chromium is missing: sudo apt-get install -y chromium (for tests/e2e)"; \
	  fi; \
	fi

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src

test: lint browser
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) demo.db demo.db.key demo.db.demo.json demo.db.locks
