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

# Three workers on two cores: the suite waits more than it computes (tmux screens, real servers, child
# processes: user+sys 665 s over 570 s of wall with two workers, 58% of the cores); measured on the same
# idle 2-core box and commit: -n 2 534 s, -n 3 426 s, both green.
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
