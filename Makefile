# kcc — two promises: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
KCC    := $(BIN)/kcc
HOST   ?= 127.0.0.1
PORT   ?= 5000
DEMO_EVERY ?= 45
export KCC_ENV ?= development


.PHONY: run test lint types install translations messages vendor bench constraints clean

# The virtualenv is rebuilt whenever pyproject.toml or constraints.txt changes; constraints.txt pins
# every package, the ones kcc pulls in indirectly too.
$(BIN)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -c 'import sys; sys.exit("kcc needs Python 3.11 or newer, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip -c constraints.txt
	$(BIN)/python -m pip install --quiet -e '.[dev]' -c constraints.txt
	touch $@

install: $(BIN)/.installed translations

translations: $(BIN)/.installed
	$(BIN)/pybabel compile --use-fuzzy --statistics -d kcc/translations 2>&1 | tail -n 1

run: export KCC_PUBLIC_PHONE ?= 14 0999
run: install
	$(KCC) db upgrade
	$(KCC) domains check domains
	$(KCC) domains sync domains
	$(KCC) demo
	@echo "The worker (kcc worker) expires handover offers and sends mail; without KCC_SMTP_HOST mail goes to instance/outbox/."
	@echo "A new demo contact arrives about every $(DEMO_EVERY) s (kcc simulate); DEMO_EVERY=0 switches that off."
	@echo "The lobby's wall display: http://$(HOST):$(PORT)/lobby/scherm?code=demo-scherm-in-de-hal (no login; add &geluid=1 for a chime)."
	@set -e; pids=""; \
	$(KCC) worker & pids="$$!"; \
	if [ "$(DEMO_EVERY)" != "0" ]; then $(KCC) simulate --every $(DEMO_EVERY) & pids="$$pids $$!"; fi; \
	trap 'kill $$pids 2>/dev/null; true' EXIT INT TERM; \
	$(KCC) serve --host $(HOST) --port $(PORT)

test: install lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The house rules: ruff (style, imports, likely bugs), then mypy on the kcc package (configured in
# pyproject.toml). make test runs both; `make types` is kept as another name for the same check.
lint: $(BIN)/.installed
	$(BIN)/ruff check kcc tests bench wsgi.py
	$(BIN)/mypy

types: lint

# After changing interface texts: collect them and update the English catalogue, then translate the new ones.
messages: $(BIN)/.installed
	$(BIN)/pybabel extract -F kcc/translations/babel.cfg -k _l -k lazy_gettext -k Msg --no-location --omit-header -o kcc/translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -i kcc/translations/messages.pot -d kcc/translations -l en

# Refresh the vendored front-end files from the npm registry at the versions in static/vendor/packages.txt.
vendor:
	rm -rf .vendor-tmp && mkdir .vendor-tmp
	cd .vendor-tmp && grep -v '^#' ../static/vendor/packages.txt | xargs npm pack --silent >/dev/null
	cd .vendor-tmp && for f in *.tgz; do mkdir -p "$${f%.tgz}" && tar xzf "$$f" -C "$${f%.tgz}"; done
	mkdir -p static/vendor/htmx static/vendor/utrecht tests/vendor
	cp .vendor-tmp/htmx.org-*/package/dist/htmx.min.js .vendor-tmp/htmx.org-*/package/LICENSE static/vendor/htmx/
	cp .vendor-tmp/utrecht-component-library-css-*/package/dist/index.css static/vendor/utrecht/component-library.css
	cp .vendor-tmp/utrecht-component-library-css-*/package/LICENSE.md static/vendor/utrecht/LICENSE.md
	cp .vendor-tmp/utrecht-design-tokens-*/package/dist/theme.css static/vendor/utrecht/design-tokens.css
	cp .vendor-tmp/axe-core-*/package/axe.min.js .vendor-tmp/axe-core-*/package/LICENSE tests/vendor/
	cd static/vendor && sha256sum htmx/htmx.min.js utrecht/component-library.css utrecht/design-tokens.css > SHA256SUMS
	cd tests/vendor && sha256sum axe.min.js > SHA256SUMS
	rm -rf .vendor-tmp

# The benchmarks (not part of make test): load (bench/run.py), router speed, and scale — a year of history and
# 300 polling screens (bench/scale.py, about half an hour); see the README.
bench: install
	$(BIN)/python -m bench.run $(BENCH_ARGS)
	$(BIN)/python -m bench.router
	$(BIN)/python -m bench.scale $(BENCH_SCALE_ARGS)

# After changing a pin in pyproject.toml, drop that package's line here, run make test, then make constraints.
constraints: $(BIN)/.installed
	{ sed -n '1,2p' constraints.txt; echo "pip==$$($(BIN)/python -m pip --version | cut -d' ' -f2)"; \
	  $(BIN)/python -m pip freeze --exclude-editable; } > constraints.txt.new && mv constraints.txt.new constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache
