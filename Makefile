# Quick start: `make interview` runs an interview, `make test` runs the tests.
# Each target sets up .venv on first use; nothing else is needed on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: interview test test-fast lint format simulate screenshots ui-latency mutation clean

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

# Mutation testing of the scoring core (not part of CI; about 30 minutes on two cores). The
# files and tests are in pyproject.toml's [tool.mutmut]. Every mutant of graph/scoring.py,
# nodes/report.py and graph/auth.py runs; of rubric/analysis.py, a fixed half (the mutants whose
# number ends in an even digit). MUTANTS='pattern ...' runs other mutants instead.
MUTANTS ?= graph.scoring.* nodes.report.* graph.auth.* rubric.analysis.*__mutmut_*[02468]
mutation: $(STAMP)
	$(BIN)/pip install --quiet "mutmut>=3.8,<4"
	rm -rf mutants
	-$(BIN)/mutmut run --max-children 2 $(foreach m,$(MUTANTS),"$(m)")
	$(BIN)/mutmut results

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache mutants
