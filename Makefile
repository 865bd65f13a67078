# Everything a fresh machine with Python 3.11+ and make needs: `make run`, `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locales/*/LC_MESSAGES/messages.po))

.PHONY: run test test-postgres postgres-server bench lint locales compile-locales check clean

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
	sh tests/browser/ensure_chromium.sh
	$(PY) -m pytest -q -n 4

# The same suite on PostgreSQL: the fixtures start a throwaway server of the distribution's
# (tests/postgres_server.py); tests of SQLite itself are skipped, with their reason.
test-postgres: $(STAMP) compile-locales postgres-server
	BOT_TEST_BACKEND=postgres $(PY) -m pytest -q -n 4 -rs

postgres-server:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq postgresql postgresql-contrib >/dev/null; }

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
