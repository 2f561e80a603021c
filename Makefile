# Backprop by Hand: `make book` builds the book, `make test` runs every test.
# Both create the virtual environment .venv on first use and are fast afterwards.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
BOOK   := _build/html/index.html
MATHJAX := $(VENV)/share/mathjax/package/es5/tex-mml-chtml.js

.PHONY: book test setup release student-kit browser-deps data-deps sandbox-deps bench lecture-runs clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]" -c constraints.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

## Build the HTML book from chapters/ (outputs come from the release; nothing is executed),
## with MathJax served from the book itself so that it renders offline.
book: setup $(MATHJAX)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/jupyter-book build . --warningiserror --nitpick --keep-going
	@echo
	@echo "The book is ready: open file://$(abspath $(BOOK))"

## Regenerate the student edition chapters/ from the instructor notebooks in solutions/.
release: setup
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/autograder release

## The students' distribution in _build/student-kit: the committed chapters/, the check helpers
## and data loaders as an installable package, a README; no solutions, hidden tests or grader.
## It is what the students' repository (repository.url in _config.yml) holds.
student-kit: setup
	$(BIN)/autograder release --student-kit _build/student-kit

# $(call apt_install,PACKAGE,WHAT FOR,WHAT HAPPENS WITHOUT IT): install a Debian package when
# run as root with apt-get (updating the package lists once if needed), else say what is lost.
apt_install = if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing $(1) $(2)..."; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1) >/dev/null 2>&1 || \
	  { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(1) >/dev/null 2>&1; } || \
	  echo "$(1) could not be installed: $(3)"; \
	else echo "not root or no apt-get: $(3)"; fi

## Headless Chromium and a local MathJax for the browser test (Debian/Ubuntu, as root);
## the test is skipped with a message where either is missing.
browser-deps: $(MATHJAX)
	@if [ -x /usr/bin/chromium ]; then :; \
	else $(call apt_install,chromium,for the browser test,the browser test will be skipped); fi

# MathJax for the book and the feedback pages, which serve it themselves (autograder/mathjax.py).
$(MATHJAX):
	@mkdir -p $(VENV)/share/mathjax
	@if command -v npm >/dev/null; then \
	  (cd $(VENV)/share/mathjax && npm pack --silent mathjax@3.2.2 >/dev/null 2>&1 && \
	   tar xzf mathjax-3.2.2.tgz && rm mathjax-3.2.2.tgz) || echo "MathJax could not be fetched with npm"; \
	else echo "npm not found: the browser test will not be able to render math"; fi

## Fashion-MNIST from Debian's dataset-fashion-mnist (chapter 8's full-size run, the
## benchmark); without it those parts fall back to the bundled digits and say so.
data-deps:
	@if [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then :; \
	else $(call apt_install,dataset-fashion-mnist,for chapter 8,Fashion-MNIST parts fall back to digits); fi

## bubblewrap, the sandbox student code runs in during grading (Debian/Ubuntu, as root);
## without it grading still works but does not isolate student code (see README.md).
sandbox-deps:
	@if command -v bwrap >/dev/null; then :; \
	else $(call apt_install,bubblewrap,for the grading sandbox,grading will not isolate student code); fi

## Every test: references, notebooks, release, grading, the book build and the browser check.
test: setup browser-deps data-deps sandbox-deps
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m pytest

bench: setup data-deps
	$(BIN)/python -m pip install --quiet -e ".[bench]" -c constraints.txt
	$(BIN)/python benchmarks/train_speed.py

## The lecture material's two MNIST experiments at full size on Fashion-MNIST, reference trainer against
## PyTorch (about 20 minutes on one core each); writes solutions/08_training/lecture_runs.json,
## which chapter 8 reads (release chapter 8 afterwards). LECTURE_RUNS_ARGS=--quick for a smoke run.
lecture-runs: setup data-deps
	$(BIN)/python -m pip install --quiet -e ".[bench]" -c constraints.txt
	$(BIN)/python benchmarks/lecture_experiments.py $(LECTURE_RUNS_ARGS)

clean:
	rm -rf _build course
