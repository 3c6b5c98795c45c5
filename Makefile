# Siaga 112 — the commands a newcomer and CI run. See README.md.
#   make demo    install what is missing, start the embedded PostGIS, load Pekanbaru, serve on :8000
#   make test    the same provisioning, then lint, checks and the test suite on real PostGIS + Redis
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
P      := config/provision
STAMP  := $(VENV)/.installed
export PORT ?= 8000
# make demo SIMULATE=1: live demo activity (manage.py simulate) in the background, SIMULATE_RATE
# calls a minute; make stop stops it.
SIMULATE ?= 0
SIMULATE_RATE ?= 3
# The simulator is another process: the server and it share the Redis channel layer.
SIM_ENV := $(if $(filter 1,$(SIMULATE)),REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:$${REDIS_PORT:-56379}/0})

# Demo and serve run in development mode unless told otherwise.
DEV_ENV := DEBUG=$${DEBUG:-1}

.PHONY: help setup system venv db redis migrate fixtures demo serve stop test lint format bench backup clean-var

help:
	@echo "make demo   - install what is missing, start PostGIS, load Pekanbaru data, serve on 127.0.0.1:$(PORT)"
	@echo "make setup  - provision only (packages, .venv, database, migrations, fixtures)"
	@echo "make serve  - serve in the foreground (after setup)"
	@echo "make stop   - stop the server, the embedded PostgreSQL and Redis that make started"
	@echo "make test   - lint, checks and tests against real PostGIS and Redis"
	@echo "make bench  - benchmarks: our figure, a floor measured in the same run, the ratio"
	@echo "make backup - pg_dump of the database into var/backups, restored into a scratch copy and checked"

system:
	@$(P)/system.sh

$(STAMP): requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (found %s); set PYTHON=python3.11" % sys.version.split()[0])'
	@test -x $(PY) || { echo "==> creating $(VENV)"; $(PYTHON) -m venv $(VENV); }
	@echo "==> installing Python dependencies (requirements.txt)"
	@$(PY) -m pip install -q --upgrade pip
	@$(PY) -m pip install -q -r requirements.txt
	@touch $(STAMP)

venv: system $(STAMP)

db: venv
	@$(P)/postgres.sh start

redis: system
	@$(P)/redis.sh start

migrate: db
	@$(DEV_ENV) $(PY) manage.py prepare

fixtures: migrate
	@$(DEV_ENV) $(PY) manage.py load_all

setup: fixtures

demo: setup
	@if [ "$(SIMULATE)" = "1" ]; then $(P)/redis.sh start; fi
	@$(DEV_ENV) $(SIM_ENV) $(P)/serve.sh start
	@$(DEV_ENV) $(PY) manage.py demo_users --port $(PORT)
	@if [ "$(SIMULATE)" = "1" ]; then $(DEV_ENV) $(SIM_ENV) SIMULATE_RATE=$(SIMULATE_RATE) $(P)/serve.sh simulate; fi

serve: migrate
	@$(DEV_ENV) $(P)/serve.sh fg

stop:
	@$(P)/serve.sh stop
	@$(P)/redis.sh stop
	@$(P)/postgres.sh stop

lint: venv
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .

format: venv
	@$(VENV)/bin/ruff format .
	@$(VENV)/bin/ruff check --fix .

test: db redis lint
	@echo "==> compilemessages, collectstatic"
	@DEBUG=1 $(PY) manage.py compilemessages -v 0 --ignore=.venv
	@DEBUG=1 $(PY) manage.py collectstatic --noinput -v 0
	@echo "==> manage.py check --deploy (production settings)"
	@DEBUG=0 SECRET_KEY="ci-$$(head -c 48 /dev/urandom | base64 | tr -dc A-Za-z0-9)" \
		ALLOWED_HOSTS=siaga112.example DATABASE_URL="$$(cat var/pg/database_url 2>/dev/null || echo $${DATABASE_URL:-})" \
		$(PY) manage.py check --deploy --fail-level WARNING
	@echo "==> makemigrations --check"
	@DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	@echo "==> pytest"
	@REDIS_URL="redis://127.0.0.1:$${REDIS_PORT:-56379}/0" $(VENV)/bin/pytest

backup: db
	@$(PY) manage.py backup --verify --keep-days $${BACKUP_KEEP_DAYS:-14}

bench: fixtures
	@$(PY) bench/run.py

clean-var: stop
	rm -rf var
