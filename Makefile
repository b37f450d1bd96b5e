# The two commands of the README: `make run` and `make test`.
# Both work on a fresh machine with only python3 (3.11+) and the package registries.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DEMO   := geodata/demo/territory.json
export MAPAPP_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test setup demo bench clean

$(STAMP): pyproject.toml constraints.txt
	@# The browser test drives Debian's Chromium; install it when missing (needs root, as on CI).
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; } || \
	  echo "WARNING: could not install chromium/chromium-driver: the browser test will be skipped" >&2
	@# WeasyPrint (PDF reports) needs Pango and a font from the system.
	@ldconfig -p | grep -q libpangoft2-1.0 && fc-list 2>/dev/null | grep -qi dejavu || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null; } || \
	  echo "WARNING: could not install Pango/fonts: PDF reports will fail" >&2
	@# The PostgreSQL integration test starts a throwaway server (initdb, pg_ctl).
	@command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; } || \
	  echo "WARNING: could not install postgresql: the PostgreSQL test will be skipped" >&2
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet 'pip==26.3'
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test,postgres]'
	touch $(STAMP)

setup: $(STAMP)

# Regenerated when the generator changes (e.g. new fields such as the capacities the 2SFCA below needs).
$(DEMO): $(STAMP) $(wildcard mapapp/demo/*.py)
	$(PY) -m mapapp.cli demo generate

# The 2SFCA scores the « Besoins et offre » page shows (/observatoire/besoins): pages never route.
demo: $(DEMO)
	$(PY) -m mapapp.cli demo load
	$(PY) -m mapapp.cli compute
	$(PY) -m mapapp.cli territory 2sfca --indicateur rsa --theme france_services
	$(PY) -m mapapp.cli territory 2sfca --indicateur rsa --theme remobilisation

# A session key for development, kept in the (git-ignored) data folder so logins survive restarts;
# MAPAPP_SECRET_KEY from the environment wins; links in e-mails point to this development server.
SECRET := $(MAPAPP_DATA_DIR)/secret_key
$(SECRET):
	@mkdir -p $(dir $@) && umask 077 && $(PYTHON) -c "import secrets; print(secrets.token_hex(32))" > $@

run: demo $(SECRET)
	MAPAPP_SECRET_KEY="$${MAPAPP_SECRET_KEY:-$$(cat $(SECRET))}" MAPAPP_BASE_URL="$${MAPAPP_BASE_URL:-http://127.0.0.1:5000}" \
	  $(PY) -m mapapp.cli serve --host 127.0.0.1 --port 5000

test: $(STAMP)
	$(PY) -m pytest

bench: demo
	$(PY) scripts/bench_suite.py
	$(PY) scripts/bench_report.py

clean:
	rm -rf $(VENV) var geodata/demo
