# Kapstone — the README's two commands are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/kapstone
REDIS ?= redis://127.0.0.1:6379/0

.PHONY: demo totp install interop-verifier migrate test test-integration test-e2e test-all check-deploy lint bandit sbom bench bench-ab backup restore clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --no-input -v 0

## make demo [PORT=8000]: set up everything and serve the demo at http://127.0.0.1:$(PORT).
## Every absolute link the site makes (e-mails, the certificate PDF and its QR code, the
## credential's did:web issuer, the DID document, status lists) uses SITE_URL, which
## follows PORT unless SITE_URL is set. E-mails sent while loading go to DEMO_MAIL, so the
## logins are the last lines printed before the server starts.
## manage.py runs the development settings (config.settings.local, DEBUG on) unless
## DJANGO_SETTINGS_MODULE says otherwise: a production shell that exports
## DJANGO_SETTINGS_MODULE=config.settings.production keeps it for migrate, backup, restore.
PORT ?= 8000
SITE_URL ?= http://127.0.0.1:$(PORT)
DEMO_MAIL ?= var/demo-mail
demo: migrate
	SITE_URL=$(SITE_URL) EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend \
	EMAIL_FILE_PATH=$(DEMO_MAIL) $(PY) manage.py load_demo
	SITE_URL=$(SITE_URL) $(PY) manage.py runserver 127.0.0.1:$(PORT)

## make totp [WHO=admin@kapstone.test]: a demo account's current six-digit code
WHO ?= admin@kapstone.test
totp: install
	@$(PY) manage.py demo_totp $(WHO)

## make test: the whole fast suite (SQLite, eager tasks)
test: install
	$(PY) -m pytest -m "not integration and not e2e" $(PYTEST_ARGS)

## The outside verifier the integration suite checks our credentials with (Node.js,
## tests/interop_verifier): installed exactly from its package-lock.json. Node is used
## for this test only; the fast suite never needs it.
INTEROP := tests/interop_verifier
$(INTEROP)/node_modules/.installed: $(INTEROP)/package.json $(INTEROP)/package-lock.json
	cd $(INTEROP) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

interop-verifier: $(INTEROP)/node_modules/.installed

## PostgreSQL + Redis + a real Celery worker. Cache and broker get Redis databases of
## their own (tests flush the cache), away from the development default, /0.
INTEGRATION_REDIS ?= redis://127.0.0.1:6379/14
INTEGRATION_BROKER ?= redis://127.0.0.1:6379/15
test-integration: install interop-verifier
	DATABASE_URL=$(PG_URL) REDIS_URL=$(INTEGRATION_REDIS) CELERY_BROKER_URL=$(INTEGRATION_BROKER) \
	$(PY) -m pytest -m integration tests/integration $(PYTEST_ARGS)

## Playwright driving Debian's Chromium against a live server (its own SQLite database,
## eager tasks: the suite itself needs no PostgreSQL or Redis)
CHROMIUM ?= /usr/bin/chromium
test-e2e: install
	@test -x $(CHROMIUM) || { echo "make test-e2e drives Chromium at $(CHROMIUM), which is missing."; \
	  echo "Install it: Debian/Ubuntu: sudo apt-get install chromium (Ubuntu: chromium-browser);"; \
	  echo "Fedora: sudo dnf install chromium; macOS: brew install --cask chromium, then"; \
	  echo "make test-e2e CHROMIUM=/Applications/Chromium.app/Contents/MacOS/Chromium"; exit 1; }
	CHROMIUM=$(CHROMIUM) env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL -u EMAIL_URL \
	$(PY) -m pytest -m e2e tests/e2e $(PYTEST_ARGS)

test-all: test test-integration test-e2e

## Production-like settings must pass Django's deployment checklist without warnings
check-deploy: install
	DJANGO_SETTINGS_MODULE=config.settings.production SECRET_KEY=$$($(PY) -c "import secrets;print(secrets.token_urlsafe(50))") \
	ALLOWED_HOSTS=kapstone.example DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS) \
	NOTES_ENCRYPTION_KEYS=$$($(PY) -c "from cryptography.fernet import Fernet;print(Fernet.generate_key().decode())") \
	CREDENTIAL_SIGNING_KEY=$$($(PY) -c "from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey as K;from certificates.credentials.multibase import secret_multikey as m;print(m(K.generate().private_bytes_raw()))") \
	$(PY) manage.py check --deploy --fail-level WARNING

## make backup [BACKUP_DIR=…]: the database (one consistent snapshot) and the stored
## files (MEDIA_ROOT or the S3 bucket), safe while the site is writing;
## make restore BACKUP_DIR=… into an empty database and an empty storage
BACKUP_DIR ?= var/backups/$(shell date -u +%Y%m%dT%H%M%SZ)
backup: install
	$(PY) manage.py backup $(BACKUP_DIR)

restore: install
	$(PY) manage.py restore $(BACKUP_DIR)

## Lint with ruff ([tool.ruff] in pyproject.toml: pycodestyle, pyflakes, isort, bugbear,
## Django rules), tests included. `.venv/bin/ruff check --fix .` sorts imports for you.
## Then import-linter's contracts ([tool.importlinter]): the apps' layers, core importing
## no app, certificates.credentials importing no Django. CI runs it as a stage of its
## own; make test checks the contracts too (tests/test_architecture.py).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache

## Static analysis of the project's own code (not .venv, not tests; see [tool.bandit]):
## a medium or high finding fails unless explained in place (`# nosec BXXX - reason`).
## make test runs the same check (tests/security/test_static_analysis.py).
bandit: install
	$(PY) -m bandit -c pyproject.toml -r . --severity-level medium

## Software bill of materials (CycloneDX JSON) of the installed environment, made
## offline from the installed packages' metadata.
sbom: install
	$(PY) -m cyclonedx_py environment --pyproject pyproject.toml --mc-type application \
	--output-reproducible --of JSON -o sbom.cdx.json
	@$(PY) -c "import json;print(len(json.load(open('sbom.cdx.json'))['components']), 'components in sbom.cdx.json')"

## make bench: build the large program in its own PostgreSQL database (made if missing),
## serve it with gunicorn and load it with wrk, time the batch work, write bench/results/.
## BENCH_ARGS="--reuse" keeps an earlier build; "--scale 0.1" is a quick run.
BENCH_DB ?= postgres://postgres@127.0.0.1:5432/kapstone_bench
BENCH_REDIS ?= redis://127.0.0.1:6379/4
BENCH_BROKER ?= redis://127.0.0.1:6379/5
bench: install
	$(PY) -m bench --database $(BENCH_DB) --redis $(BENCH_REDIS) --broker $(BENCH_BROKER) $(BENCH_ARGS)

## make bench-ab OLD=<commit> [ROUNDS=3]: the old commit and this tree on the same database in
## the same window, runs alternating (A, B, A, B, …), each figure as median (min–max).
## The old commit gets a worktree of its own with its own .venv beside this one (../bench-old-<commit>:
## outside the repository, where the tests that read every source file would find it).
## OLD_DB=<url>: the old side on a database of its own (only if the schemas differ).
OLD ?= main
ROUNDS ?= 3
OLD_TREE = $(abspath ..)/bench-old-$(OLD)
bench-ab: install
	test -d $(OLD_TREE) || git worktree add --detach $(OLD_TREE) $(OLD)
	$(MAKE) -C $(OLD_TREE) install
	$(PY) -m bench.ab --old $(OLD_TREE) --rounds $(ROUNDS) $(if $(OLD_DB),--old-database $(OLD_DB)) \
	-- --database $(BENCH_DB) \
	--redis $(BENCH_REDIS) --broker $(BENCH_BROKER) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 media static sbom.cdx.json
