# Two commands: `make demo` runs the shop with real demo data, `make test` runs the test suite.
VENV ?= .venv
PYTHON ?= $(shell command -v python3.11 || command -v python3)
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# The demo runs as a local development shop unless the environment says otherwise.
export DJANGO_DEBUG ?= 1

.PHONY: demo setup test test-sqlite test-services benchmark clean

demo: setup
	@echo "Starting the web server, a Celery worker and Celery beat (Ctrl-C stops all three)."
	HOST=$(HOST) PORT=$(PORT) PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho -f Procfile start

setup: $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py setup_demo --url http://$(HOST):$(PORT)/

test: $(VENV)/.installed
	$(BIN)/python scripts/run_tests.py

$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

clean:
	rm -rf var
