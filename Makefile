# The README's two commands are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PO     := $(wildcard kiosk/locale/*/LC_MESSAGES/*.po)
MO     := $(PO:.po=.mo)

.PHONY: run test lint typecheck contracts pytest bench locale extract-messages clean fonts lock docs

## run: the kiosk on the embedded default (local registry on 127.0.0.1, SQLite, demo data)
run: $(STAMP) locale
	@$(BIN)/registry demo-logins
	$(BIN)/kiosk demo

## test: ruff, mypy, import contracts and the whole pytest suite
test: lint typecheck contracts pytest

# (Re)install only when the lock or pyproject.toml changed since the last install. The exact versions
# come from requirements.lock (every kiosk installed from one commit runs the same libraries); the
# project itself is then installed editable, without resolving anything again.
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

## lock: pin every dependency (dev extras included) of pyproject.toml again in requirements.lock
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --extra dev --strip-extras --no-emit-index-url --no-emit-find-links \
		-o requirements.lock pyproject.toml

locale: $(MO)

kiosk/locale/%.mo: kiosk/locale/%.po $(STAMP)
	$(BIN)/pybabel compile --statistics -i $< -o $@

## extract-messages: refresh the catalogs' template and merge it into every language
# The catalogs keep their header, lines of 100 and the template's sorted order: run on catalogs
# that are up to date, this changes nothing.
extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _ -o kiosk/locale/kiosk.pot --no-location --omit-header --sort-output --width 100 .
	$(BIN)/pybabel update -i kiosk/locale/kiosk.pot -d kiosk/locale -D kiosk --no-fuzzy-matching --width 100 --ignore-pot-creation-date

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports

# Three workers on the two cores: most tests wait on a real registry, database or subprocess, so a
# third keeps both cores busy (on one Intel Xeon, 9 min against 11 with two; the suite has grown
# since: 11 min with three on another Xeon, up to 14.5-19 on a slower AMD EPYC).
# Not four: on a slower machine four made the suite 12 min instead of 15, but overloaded the cores
# so that a walk's school list outlasted the test kiosk's 10 s client timeout (the kiosk then
# rightly said it could not reach the registry) in 2 runs of 3.
pytest: $(STAMP) locale
	$(BIN)/pytest -n 3 --durations=15

## bench: benchmarks; results are written to bench/results, never asserted as timed tests (the
## load generator wrk comes from Debian's packages: installed here where it is missing)
bench: $(STAMP) locale
	@command -v wrk >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 && \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y --no-install-recommends wrk; } || \
		{ echo "make bench needs wrk: install it with this system's package manager"; exit 1; }
	$(BIN)/python -m bench

## fonts: the Debian packages the application form and its tests use — CJK fonts and fontconfig
## (the PDF embeds Noto Sans CJK TC), poppler and zbar (tests read the PDF and the QR code back),
## rsvg-convert (to look at snapshots); .ci/run installs the same where they are missing
SYSTEM_PACKAGES := fontconfig fonts-noto-cjk poppler-utils zbar-tools librsvg2-bin
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
fonts:
	@command -v apt-get >/dev/null 2>&1 || { echo "no apt-get here: install $(SYSTEM_PACKAGES) with this system's package manager"; exit 1; }
	$(SUDO) apt-get update
	$(SUDO) apt-get install -y --no-install-recommends $(SYSTEM_PACKAGES)

## docs: write the settings reference into docs/OPERATIONS.md again (a test checks it is current)
docs: $(STAMP)
	$(BIN)/python -m tests.unit.test_operations_guide --write

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
