# The two commands a newcomer needs: `make run` and `make test`.
PY      := .venv/bin/python
STAMP   := .venv/.installed
DEVSTAMP:= .venv/.installed-dev
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test ingest lint bench clean

.venv/bin/python:
	python3 -m venv .venv
	$(PY) -m pip install --quiet --upgrade pip

# torch first, pinned: an unpinned torch drags in gigabytes of CUDA wheels.
$(STAMP): .venv/bin/python pyproject.toml
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e .
	touch $(STAMP)

$(DEVSTAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(DEVSTAMP)

# Ingest is incremental: on an unchanged corpus it embeds nothing.
run: $(STAMP)
	.venv/bin/assistant ingest
	.venv/bin/assistant ui

ingest: $(STAMP)
	.venv/bin/assistant ingest

# The eval gate last: it ingests corpus/ into index/ if needed, then compares with evals/baseline.json.
test: $(DEVSTAMP)
	.venv/bin/ruff check .
	$(PY) -m pytest -q
	.venv/bin/evals --check

bench: $(DEVSTAMP)
	$(PY) -m pytest -q -m benchmark -s tests/benchmarks

lint: $(DEVSTAMP)
	.venv/bin/ruff check .

clean:
	rm -rf index/* data .pytest_cache
