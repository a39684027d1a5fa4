# Two commands do everything on a fresh machine with Python 3: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 5000
AXE := $(VENV)/npm/node_modules/axe-core/axe.min.js

.PHONY: run test check index bench clean browser-deps

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

# Debian's Chromium (Playwright cannot download browsers here), redis-server for the shared-limit test,
# and axe-core from the npm registry.
browser-deps: $(AXE)
	@{ command -v chromium && command -v redis-server; } >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -q && $$SUDO apt-get install -y -q chromium redis-server; }

$(AXE):
	npm install --silent --no-audit --no-fund --prefix $(VENV)/npm axe-core@4

index: $(VENV)/.runtime
	$(PY) -m bot index

run: $(VENV)/.runtime
	HOST=$(HOST) PORT=$(PORT) $(PY) app.py

test: $(VENV)/.dev browser-deps
	$(PY) -m pytest -q

check: $(VENV)/.dev
	$(VENV)/bin/ruff check bot web tests bench app.py
	$(VENV)/bin/mypy bot web

bench: $(VENV)/.dev
	$(PY) bench/retrieval.py --passages 100000 --queries 200
	$(PY) bench/beir.py ../shared/data/nfcorpus

clean:
	rm -rf $(VENV) instance .pytest_cache
