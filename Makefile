# disputekit: `make demo`, `make test`, `make lab`. Needs only python3 (3.11+) and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
# Every package `make install` puts in .venv, pinned (pip-compile's output; `make lock`).
LOCK   := requirements/constraints.txt

# The simulator's demo credentials (not secrets: they only open the local simulator).
# Set only when not already in the environment, so real credentials always win.
DEMO_CREDENTIALS = \
	DISPUTEKIT_APP_KEY=$${DISPUTEKIT_APP_KEY:-34127856} \
	DISPUTEKIT_APP_SECRET=$${DISPUTEKIT_APP_SECRET:-disputekit-demo-secret} \
	DISPUTEKIT_VOLT_TOKEN=$${DISPUTEKIT_VOLT_TOKEN:-demo-token-volt} \
	DISPUTEKIT_SPARK_TOKEN=$${DISPUTEKIT_SPARK_TOKEN:-demo-token-spark} \
	DISPUTEKIT_BLOOM_TOKEN=$${DISPUTEKIT_BLOOM_TOKEN:-demo-token-bloom} \
	DISPUTEKIT_VOLT_REFRESH_TOKEN=$${DISPUTEKIT_VOLT_REFRESH_TOKEN:-demo-refresh-volt} \
	DISPUTEKIT_SPARK_REFRESH_TOKEN=$${DISPUTEKIT_SPARK_REFRESH_TOKEN:-demo-refresh-spark} \
	DISPUTEKIT_BLOOM_REFRESH_TOKEN=$${DISPUTEKIT_BLOOM_REFRESH_TOKEN:-demo-refresh-bloom} \
	DISPUTEKIT_17TRACK_KEY=$${DISPUTEKIT_17TRACK_KEY:-demo-17track-key}

.PHONY: install lock airflow-lock demo test test-fast test-pg test-airflow lab lint bench bench-quick bench-hostile clean

install: $(STAMP)

# Installs exactly the lock's versions, so every machine and CI run gets the same packages;
# a changed pyproject.toml or lock file reinstalls.
$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "disputekit needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c $(LOCK) -e '.[dev]'
	@touch $(STAMP)

# Re-resolves pyproject.toml's dependencies and dev extras to the newest versions they allow
# and rewrites the lock; commit it with the change that needed it (tests/test_environment.py
# fails while the lock misses a dependency). pip-tools runs in a venv of its own so that
# it and its build tools never land in the project's .venv. The lock is resolved for this
# python3 (3.11, Linux); a package only another platform needs installs unpinned.
# `make lock LOCK_UPGRADE=` keeps the pins that still fit and only adds what is new.
LOCK_TOOLS   := $(VENV)/lock-tools
LOCK_UPGRADE ?= --upgrade

lock:
	$(PYTHON) -m venv $(LOCK_TOOLS)
	$(LOCK_TOOLS)/bin/python -m pip install --quiet --upgrade pip pip-tools
	CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_TOOLS)/bin/pip-compile --quiet $(LOCK_UPGRADE) \
		--extra dev --strip-extras --allow-unsafe \
		--no-emit-index-url --no-emit-find-links --no-emit-trusted-host \
		--output-file $(LOCK) pyproject.toml

demo: $(STAMP)
	@env $(DEMO_CREDENTIALS) $(BIN)/disputekit demo

# In parallel (pytest-xdist), one worker per core; TEST_JOBS=0 runs in this one process.
# `--dist loadfile`: a file's tests share one worker, so a module's fixtures (a synced store,
# a running lab) are made once. `bench --quick` runs apart (`make bench-quick`, .ci/run).
TEST_JOBS ?= auto
XDIST = -n $(TEST_JOBS) --dist loadfile

test: $(STAMP)
	$(BIN)/python -m pytest $(XDIST) --ignore=tests/test_bench_smoke.py

# The pure layers' tests (domain, wire, parameters, the simulator's data), no database,
# server, kernel or browser: under half a minute, for the edit-test loop. A test file that
# needs none of those joins by adding its name here.
FAST_SUITES = tests/test_signing.py tests/test_envelope.py tests/test_deadlines.py \
	tests/test_decisions.py tests/test_buyers.py tests/test_cues.py tests/test_intervention.py \
	tests/test_triage.py tests/test_kpis_fast.py tests/test_store_day.py tests/test_tracking.py \
	tests/test_replies.py tests/test_classify.py tests/test_claims.py tests/test_parameters.py \
	tests/test_bad_parameters.py tests/test_environment.py tests/test_reliability_doc.py \
	tests/test_bad_triage.py tests/test_layers.py tests/test_tracking_merge.py \
	tests/test_what_works.py tests/test_what_works_report.py tests/test_whatif.py \
	tests/test_long_text.py tests/test_failure_words.py tests/test_queue_table.py tests/test_lab_save.py \
	src/disputekit/domain src/disputekit/wire

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q $(FAST_SUITES)

# The suites that touch the database, again on PostgreSQL: each test gets a new database on
# the server DISPUTEKIT_TEST_PG_URL names (PostgreSQL 13+, a role that may CREATE DATABASE):
#   DISPUTEKIT_TEST_PG_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres make test-pg
# (.ci/run starts a throwaway server with .ci/postgres). Every suite that writes to the
# database is here, the browser and notebook ones aside (their code paths are the same);
# any tests/*storage*, *concurren* or *crash* file joins by its name.
PG_SUITES = $(sort tests/test_handling.py tests/test_workbook_state.py tests/test_workbook.py tests/test_sync.py tests/test_calibration_recovery.py tests/test_queue_history.py tests/test_sync_under_faults.py tests/test_actions.py \
	tests/test_store_day.py tests/test_runner.py tests/test_sync_bad_record.py \
	tests/test_assessment.py tests/test_evidence.py tests/test_evidence_paths.py \
	tests/test_followups.py tests/test_lifecycle.py tests/test_review.py \
	tests/test_shipments.py tests/test_bad_payloads.py tests/test_evidence_class.py \
	tests/test_offers.py tests/test_claim_panel.py tests/test_buyer_report.py \
	tests/test_plans_follow.py tests/test_seventeentrack_sync.py tests/test_outcomes.py tests/test_settling_replies.py \
	tests/test_hostile_gateway.py tests/test_sync_fuzz.py \
	$(wildcard tests/test_*storage*.py tests/test_*concurren*.py tests/test_*crash*.py))

test-pg: $(STAMP)
	@test -n "$$DISPUTEKIT_TEST_PG_URL" || { echo "make test-pg: set DISPUTEKIT_TEST_PG_URL to a PostgreSQL server (see the Makefile)" >&2; exit 2; }
	$(BIN)/python -m pytest $(XDIST) $(PG_SUITES)

# The Airflow DAG run for real (tests/test_airflow.py): `airflow dags test` over the demo
# stores, Airflow's metadata and disputekit's data on PostgreSQL (DISPUTEKIT_TEST_PG_URL, or
# a throwaway server .ci/postgres starts and stops here). Airflow lives in a virtualenv of its
# own (.venv-airflow, kept between runs): its dependencies are not disputekit's (a worker
# runs the notebooks in a kernel on .venv). Installed from requirements/airflow.txt: Airflow's
# constraints file for Python 3.11, which Airflow publishes outside the package index this
# project's machines can reach, is replaced by the exact set pip's resolver chose here for
# apache-airflow, the Papermill provider and psycopg2 (regenerate: `make airflow-lock`).
AIRFLOW_VENV  := .venv-airflow
AIRFLOW_LOCK  := requirements/airflow.txt
AIRFLOW_STAMP := $(AIRFLOW_VENV)/.installed-stamp
AIRFLOW_PKGS  := apache-airflow==3.3.2 apache-airflow-providers-papermill psycopg2-binary asyncpg

$(AIRFLOW_STAMP): $(AIRFLOW_LOCK)
	$(PYTHON) -m venv $(AIRFLOW_VENV)
	$(AIRFLOW_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(AIRFLOW_VENV)/bin/python -m pip install --quiet --no-deps -r $(AIRFLOW_LOCK)
	$(AIRFLOW_VENV)/bin/python -m pip check
	@touch $@

airflow-lock:
	rm -rf $(AIRFLOW_VENV)
	$(PYTHON) -m venv $(AIRFLOW_VENV)
	$(AIRFLOW_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(AIRFLOW_VENV)/bin/python -m pip install --quiet $(AIRFLOW_PKGS)
	{ echo "# make airflow-lock: $(AIRFLOW_PKGS), resolved by pip for Python 3.11 (Linux)."; \
	  $(AIRFLOW_VENV)/bin/python -m pip freeze; } > $(AIRFLOW_LOCK)
	@touch $(AIRFLOW_STAMP)

test-airflow: $(STAMP) $(AIRFLOW_STAMP)
	@if [ -n "$$DISPUTEKIT_TEST_PG_URL" ]; then \
	  DISPUTEKIT_AIRFLOW_VENV=$(CURDIR)/$(AIRFLOW_VENV) $(BIN)/python -m pytest -q tests/test_airflow.py; \
	else \
	  pg_dir=$$(mktemp -d /tmp/disputekit-airflow-pg.XXXXXX); \
	  trap '.ci/postgres stop "$$pg_dir"' EXIT; \
	  pg_url=$$(.ci/postgres start "$$pg_dir") && \
	  DISPUTEKIT_TEST_PG_URL=$$pg_url DISPUTEKIT_AIRFLOW_VENV=$(CURDIR)/$(AIRFLOW_VENV) \
	    $(BIN)/python -m pytest -q tests/test_airflow.py; \
	fi

# Loopback only, whatever a jupyter config elsewhere says: the lab runs code and holds
# credentials in its environment (tests/test_loopback.py checks the listening socket).
LAB_PORT ?= 8888

lab: $(STAMP)
	env $(DEMO_CREDENTIALS) DISPUTEKIT_HOME=$(CURDIR) $(BIN)/jupyter lab --notebook-dir=notebooks \
		--ServerApp.ip=127.0.0.1 --port=$(LAB_PORT) \
		--ContentsManager.pre_save_hook=disputekit.run.lab_save.pre_save \
		$(if $(filter 0,$(shell id -u)),--allow-root)

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

# The smoke pass CI runs: `bench/run_all.py --quick` (a few minutes), checked by
# tests/test_bench_smoke.py (every row printed, none FAILED); apart from `make test`, whose
# cores it would hold for minutes.
bench-quick: $(STAMP)
	$(BIN)/python -m pytest -q tests/test_bench_smoke.py

# Classification time against the buyer's message length, 1 kB to 20 MB (issue 21).
bench-hostile: $(STAMP)
	$(BIN)/python bench/hostile_text.py

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) $(AIRFLOW_VENV) data runs reports
