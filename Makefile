# The README's two commands: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
FLASK := $(VENV)/bin/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install install-dev db seed lint screens summaries translations clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

db: install
	mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) catalog load

seed: db
	$(FLASK) demo seed

run: seed
	$(FLASK) run --host $(HOST) --port $(PORT)

test: install-dev
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The README's pictures of the main screens, taken by the browser tests (docs/screens/), and the MedWatch
# draft's pages (docs/medwatch-anaphylaxis*.png).
screens: install-dev
	CHAIRSIDE_SCREENS=1 CI=true $(VENV)/bin/pytest tests/browser/test_scenarios.py  # CI=true: no chromium fails, never skips
	CHAIRSIDE_SCREENS=1 $(VENV)/bin/pytest tests/api/test_medwatch.py  # the MedWatch draft of issue 24's anaphylaxis (pdftoppm)

# The visit summaries of every drug, normal and large print, English and Spanish (docs/summaries/, pdftoppm).
summaries: install-dev
	CHAIRSIDE_SCREENS=1 $(VENV)/bin/pytest tests/unit/test_summary_pictures.py

# After changing a sentence of the visit summary or a drug's warning signs: extract the messages, update each
# language's catalog (clinic/translations/<code>/LC_MESSAGES/messages.po; translate what is new or fuzzy),
# then compile them (the compiled .mo files are committed, so `make run` needs no build step).
translations: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k _ -k plural:1,2 -k N_ -k warn:2 -k NP_:1c,2 -k timed -k to_patient --no-location --sort-output \
		--omit-header -o clinic/translations/messages.pot .
	$(VENV)/bin/pybabel update -i clinic/translations/messages.pot -d clinic/translations --no-wrap
	$(VENV)/bin/pybabel compile -d clinic/translations --statistics

lint: install-dev
	$(VENV)/bin/ruff check clinic tests bench

clean:
	rm -rf $(VENV) .pytest_cache
