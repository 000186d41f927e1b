# Quick start: `make interview` runs an interview, `make test` runs the tests.
# Each target sets up .venv on first use; nothing else is needed on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: interview test test-fast lint format simulate screenshots ui-latency clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

interview: $(STAMP)
	$(BIN)/sophia interview

test: $(STAMP)
	$(BIN)/pytest -q

test-fast: $(STAMP)
	$(BIN)/pytest -q -m "not integration"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

simulate: $(STAMP)
	@for f in evals/candidates/*.yaml; do $(BIN)/sophia simulate $$f; done

# The README's pictures of the pages (needs Debian's chromium)
screenshots: $(STAMP)
	$(BIN)/python -m bench.ui_screenshots

# Send -> Sophia's first words on the candidate page, p50/p95 (needs Debian's chromium)
ui-latency: $(STAMP)
	$(BIN)/python -m bench.ui_latency

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
