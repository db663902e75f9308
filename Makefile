# tangent_lite: `make demo` and `make test` work on a fresh machine (they install first).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BASE   := $(VENV)/.installed-base

.PHONY: install demo test lint bench fuzz outside docs docs-install clean

install: $(STAMP)

# the package alone (gast, astor, numpy): all the demo needs (a regular install: setuptools warns
# at every editable one; the test target below makes it editable)
$(BASE): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet .
	touch $(BASE)

# with the test and lint extras (pytest, hypothesis, numba, ruff)
$(STAMP): $(BASE) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test,lint]'
	touch $(STAMP)

demo: $(BASE)
	$(BIN)/python examples/demo.py

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check tangent_lite tests examples benchmarks

bench: install
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/guards.py

fuzz: install
	TL_FUZZ_EXAMPLES=$${TL_FUZZ_EXAMPLES:-2000} $(BIN)/python -m pytest tests/test_fuzz.py -s -q

# the outside-in generator's long run (tests/test_outside.py): 20,000 programs, a fresh seed, every
# failure logged to outside.jsonl (about an hour and a half on two cores)
outside: install
	TL_OUTSIDE_EXAMPLES=$${TL_OUTSIDE_EXAMPLES:-20000} TL_OUTSIDE_RANDOM=1 TL_OUTSIDE_COLLECT=$${TL_OUTSIDE_COLLECT:-outside.jsonl} \
		$(BIN)/python -m pytest tests/test_outside.py -k test_programs -s -q

# the documentation site (mkdocs.yml, docs/): installs the docs extra once, then builds offline
# (code highlighted by Pygments at build time, no CDN) into site/
DOCS_STAMP := $(VENV)/.installed-docs

$(DOCS_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[docs]'
	touch $(DOCS_STAMP)

docs: install $(DOCS_STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

# the docs extra without building: CI installs it before `make test` so tests/test_site.py runs
docs-install: install $(DOCS_STAMP)

clean:
	rm -rf $(VENV) build site *.egg-info
	find . -name __tangent_lite__ -type d -prune -exec rm -rf {} +
