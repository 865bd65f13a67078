# Everything a fresh machine with Python 3.11+ and make needs: `make run`, `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locales/*/LC_MESSAGES/messages.po))

.PHONY: run test bench lint locales compile-locales check clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed" if sys.version_info < (3, 11) else 0)'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po $(STAMP)
	$(VENV)/bin/pybabel compile -d locales -D messages -l $* --statistics 2>&1 | grep -v '^$$' || true
	test -f $@

compile-locales: $(MO_FILES)

run: $(STAMP) compile-locales
	$(PY) -m bot

test: $(STAMP) compile-locales
	$(VENV)/bin/lint-imports
	$(PY) -m pytest -q -n 4

check: $(STAMP) compile-locales
	$(PY) -m bot check

bench: $(STAMP) compile-locales
	$(PY) -m bench

lint: $(STAMP)
	$(VENV)/bin/ruff check bot handlers storage tests

# Extract messages from the code, merge them into every catalog, compile.
locales: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -k N_ -k ngettext:1,2 --no-location --sort-output \
		-o locales/messages.pot bot handlers
	$(VENV)/bin/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching
	$(MAKE) compile-locales

clean:
	rm -rf $(VENV) locales/*/LC_MESSAGES/*.mo
