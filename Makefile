# The README's two commands: `make demo` (set up, build a synthetic scenario into the embedded
# store, open the explorer) and `make test` (set up, lint, run every test on both engines).
# Only `make test` adds the optional spark extra (Splink on Spark, for the linkage backend test).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SPARK_STAMP := $(VENV)/.installed-spark

.PHONY: setup demo test browser java

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==25.3
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

$(SPARK_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev,spark]'
	touch $(SPARK_STAMP)

demo: $(STAMP)
	$(BIN)/lineage demo

# Debian's chromium drives the real-browser tests (a browser download cannot work here).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  apt-get update -q >/dev/null && apt-get install -y -q chromium >/dev/null; }

# Spark runs on the JVM: Java 17 from Debian when the machine has none.
java:
	@command -v java >/dev/null 2>&1 || { \
	  echo "installing Debian's Java 17 for the Spark linkage test"; \
	  apt-get update -q >/dev/null && apt-get install -y -q openjdk-17-jre-headless >/dev/null; }

test: $(SPARK_STAMP) browser java
	$(BIN)/ruff check .
	$(BIN)/pytest
