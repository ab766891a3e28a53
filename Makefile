# Two commands matter: `make demo` and `make test`. Everything else is plumbing for them.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: demo test bench venv lint clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

venv: $(VENV)/.installed

demo: $(VENV)/.installed
	$(VENV)/bin/warroom demo

# Four workers on two cores: the suite waits as well as computes (tmux screens, real servers, child processes):
# with two it used 58% of the cores (-n 2 534 s, -n 3 426 s on one idle box and commit); with three, 80% of
# CI's (621 s, ci40c); with four the cores are saturated (stop 57: each worker 43% of a core over the run),
# so the suite's wall is its CPU over two: cut CPU, not waits.
# --durations=25: every run (CI's too) ends with its 25 slowest tests, so a test that grows the
# suite toward its 10-minute budget is seen in the run that brought it, not a study later.
test: $(VENV)/.installed
	$(PY) -m pytest -q -n 4 --dist loadfile --durations=25

bench: $(VENV)/.installed
	$(PY) -m bench

lint: $(VENV)/.installed
	$(VENV)/bin/warroom runbooks lint runbooks/

clean:
	rm -rf $(VENV) dist build .pytest_cache
