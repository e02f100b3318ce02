# Two commands do all set-up on a fresh Debian machine (as root): `make demo` and `make test`.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_OUT ?= demo-out
APT_PACKAGES := libharfbuzz-subset0 fonts-noto-cjk fonts-arphic-ukai fonts-arphic-uming fonts-wqy-zenhei fonts-lxgw-wenkai poppler-utils graphviz chromium
export PREFECT_HOME ?= $(CURDIR)/.prefect-home

.PHONY: install system-deps demo test bench migration clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Debian packages: fonts for the documents, HarfBuzz subsetting (16 s -> 0.4 s per PDF),
# poppler (pdftoppm), Graphviz and chromium (web console tests). Skipped when already present. Checkouts installing at the same
# time wait for each other (flock) and for any other apt run (the dpkg lock timeout) instead of failing.
APT_GET := apt-get -o DPkg::Lock::Timeout=600
system-deps:
	@flock /tmp/duban-system-deps.lock sh -c '\
	missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(APT_GET) update -qq && DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y -qq $$missing >/dev/null; \
	fi'

install: $(BIN)/python system-deps
	$(BIN)/pip install -q -e '.[test]'

demo: install
	$(BIN)/duban demo --out $(DEMO_OUT) --force

test: install
	$(BIN)/python -m pytest -q

# make bench SCALE=city (or province): the scale figures of issue #16 on a bigger dataset; the default
# (bureau) stays short. bench/run_all.py runs every scale figure on SQLite and PostgreSQL (scratch
# databases on 127.0.0.1:5432, dropped afterwards), each with its same-run baseline, appends them to
# bench/results.jsonl, and bench/plots.py draws them into bench/plots/.
SCALE ?= bureau
# A bench that fails is named at the end (and fails the target) after the others have run.
bench: install
	@failed=""; \
	for b in cli_bench render_bench issue_bench campaign_bench tick_bench web_bench; do \
	  $(BIN)/python bench/$$b.py || failed="$$failed $$b"; done; \
	$(BIN)/python bench/run_all.py --scale $(SCALE) --results bench/results.jsonl || failed="$$failed run_all"; \
	$(BIN)/python bench/plots.py || failed="$$failed plots"; \
	if [ -n "$$failed" ]; then echo "make bench: failed:$$failed"; exit 1; fi

# A new Alembic revision from the models: make migration MSG="add reports" REV=0002_reports
migration: $(BIN)/python
	$(BIN)/python -m storage.new_revision "$(MSG)" "$(REV)"

clean:
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache .prefect-home
