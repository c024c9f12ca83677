# Set-up, run, test and benchmark Tierline. See README.md.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
DEMO_ACCOUNTS ?= 2000
PYTEST_ARGS ?=

.PHONY: install run test bench worker beat

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

# The embedded trial: SQLite, Celery eager, demo data and a demo login.
run: export DEBUG ?= true
run: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py create_user demo --role revops
	$(PY) manage.py generate_demo_data --accounts $(DEMO_ACCOUNTS) --seed 1 --if-empty
	$(PY) manage.py seed_pipeline_defaults
	$(PY) manage.py recompute --wait
	@echo "Open http://127.0.0.1:$(PORT)/ and sign in as demo with the password above."
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install
	$(PY) bench/run_all.py

worker: install
	$(VENV)/bin/celery -A config worker --queues default,imports,pipeline,webhooks,maintenance --loglevel INFO

beat: install
	$(VENV)/bin/celery -A config beat --loglevel INFO
