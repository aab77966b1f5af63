# The two commands: `make run` (local stack on :3000) and `make test` (whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: run test bench lint schema invoke token clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade "pip>=25.1"
	$(PY) -m pip install --quiet --disable-pip-version-check --group dev
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --group sam
	rm -f $(VENV)/.installed-*
	touch $@

run: $(STAMP)
	$(PY) -m local.server

test: $(STAMP)
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

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
	rm -rf $(VENV) .pytest_cache
