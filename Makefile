# The two commands: `make run` (local stack on :3000) and `make test` (whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
# The SAM CLI in a venv of its own: its pins conflict with the dev ones.
SAM_CLI_VERSION := 1.170.0
SAM_VENV := .venv-sam
SAM := $(SAM_VENV)/bin/sam
SAM_STAMP := $(SAM_VENV)/.installed-$(SAM_CLI_VERSION)
# dicom2fhir, whose Bundles a test posts, in a venv of its own: its pins conflict with the dev ones.
D2F_VENV := .venv-dicom2fhir
D2F_STAMP := $(D2F_VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
# The functions' runtime, which sam build compiles their bytecode with (empty: the build test says it is skipped).
PYTHON312 ?= $(shell $(PYTHON) -m local.sam python312)
export PYTHON312
export SAM_CLI_TELEMETRY := 0

.PHONY: run test bench lint schema invoke token clean sam-local sam-image sam-invoke-all

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade "pip>=25.1"
	$(PY) -m pip install --quiet --disable-pip-version-check --group dev
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --group sam
	rm -f $(VENV)/.installed-*
	touch $@

$(SAM_STAMP):
	test -x $(SAM_VENV)/bin/python || $(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --disable-pip-version-check "aws-sam-cli==$(SAM_CLI_VERSION)"
	rm -f $(SAM_VENV)/.installed-*
	touch $@

$(D2F_STAMP): pyproject.toml
	test -x $(D2F_VENV)/bin/python || $(PYTHON) -m venv $(D2F_VENV)
	$(D2F_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=25.1"
	$(D2F_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --group dicom2fhir
	rm -f $(D2F_VENV)/.installed-*
	touch $@

run: $(STAMP)
	$(PY) -m local.server

test: $(STAMP) $(SAM_STAMP) $(D2F_STAMP)
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

# sam local on this x86_64 machine (the template deploys arm64): the functions and the layer built for x86_64 from
# a generated copy of the template, into .sam-local/ (README "Running under the SAM CLI").
sam-local: $(SAM_STAMP)
	$(PYTHON) -m local.sam template .sam-local/template.yaml
	LAYER_PLATFORM=manylinux2014_x86_64 $(SAM) build -t .sam-local/template.yaml --build-dir .sam-local/build

# Where public.ecr.aws cannot be pulled: a python3.12 invoke image built here (root, Docker, debootstrap).
sam-image:
	PYTHON312=$(PYTHON312) local/sam_image.sh

# Every events/*.json through sam local invoke against the embedded DynamoDB and S3, each answer checked (~7 min);
# then sam local start-api and a create/read/search round trip over HTTP. Without Docker: says so, exits 0.
sam-invoke-all: $(STAMP) sam-local
	$(PY) -m local.sam_invoke_all
	$(PY) -m local.sam_invoke_all --start-api

# Not a test: cold starts, warm handler time, DynamoDB requests and items read per interaction, a 10,000-instance
# study over HTTP, hostile requests; one table, also in .bench/results.json; exits 1 if a target is missed
# (about 5 min). PARTS=f runs only part f (into .bench/results-f.json).
bench: $(STAMP)
	PYTHONPATH=layers/fhirimaging/python $(PY) -m bench $(PARTS)

# After changing the validation models: regenerate the pydantic-core schema the functions validate with.
schema: $(STAMP)
	PYTHONPATH=layers/fhirimaging/python $(PY) -m fhirimaging.models.compile

lint: $(STAMP)
	$(VENV)/bin/cfn-lint template.yaml
	$(VENV)/bin/ruff check functions layers local tests bench

# make token SCOPE="user/ImagingStudy.rs" [PATIENT=123] [EXPIRES=3600]: a bearer token for `AUTH=on make run`.
token: $(STAMP)
	@$(PY) -m local.token --scope "$(SCOPE)" $(if $(PATIENT),--patient "$(PATIENT)") $(if $(EXPIRES),--expires $(EXPIRES))

# make invoke FUNCTION=ReadFunction EVENT=events/read.json  (sam local invoke, without Docker)
invoke: $(STAMP)
	$(PY) -m local.invoke $(FUNCTION) -e $(EVENT)

clean:
	rm -rf $(VENV) $(SAM_VENV) $(D2F_VENV) .sam-local .pytest_cache
