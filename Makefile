# Weaver: `make run` to try it, `make test` to check it. `make help` lists the rest.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.DEFAULT_GOAL := help
.PHONY: help install run test lint format migrations-check worker check-deploy clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install dependencies (run and test do this for you)

run: $(STAMP) ## Migrate, load the demo network, start web + worker + beat on http://127.0.0.1:8000
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	CELERY_BROKER_URL=$${CELERY_BROKER_URL:-filesystem://} PATH=$(CURDIR)/$(BIN):$$PATH \
		$(BIN)/honcho start -f Procfile.dev

test: $(STAMP) ## Run the test suite (PostgreSQL/Redis when DATABASE_URL/CELERY_BROKER_URL are set)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP) ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP) ## Apply ruff fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: $(STAMP) ## Fail if a model change has no migration
	$(BIN)/python manage.py makemigrations --check --dry-run

worker: $(STAMP) ## Run a Celery worker and beat (needs CELERY_BROKER_URL)
	$(BIN)/celery -A weaver worker -B --loglevel=INFO

check-deploy: $(STAMP) ## Django's deployment checklist with production-like values
	DJANGO_DEBUG=0 DJANGO_SECRET_KEY=$$(head -c 48 /dev/urandom | base64) DJANGO_ALLOWED_HOSTS=weaver.example.org \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

clean: ## Remove the virtualenv and local data
	rm -rf $(VENV) var staticfiles
