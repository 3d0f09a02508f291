# Two commands do everything:  make lab  (install, open the lessons)  and  make test  (install, test).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
LAB_ARGS ?=  # e.g. make lab LAB_ARGS="--no-browser --port 8889"

.PHONY: lab test notebooks lint student study graded handout constraints clean book pdf book-test

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

# Reinstall when the requirements change; `pip install` is idempotent and keeps what fits.
# Learners get nnlib and JupyterLab; the tests add their tools, at the versions in constraints.txt.
$(VENV)/.lessons: $(BIN)/activate pyproject.toml
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e ".[lessons]"
	touch $@

$(VENV)/.installed: $(BIN)/activate requirements.txt pyproject.toml constraints.txt
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -c constraints.txt -r requirements.txt
	touch $@ $(VENV)/.lessons

# Rooted at the repository, so that the lessons' links to README.md work; opens lesson 1.
lab: $(VENV)/.lessons  ## open the lessons in JupyterLab
	$(BIN)/jupyter lab --ServerApp.root_dir=. $(LAB_ARGS) notebooks/01_neurons_and_activations.ipynb

test: $(VENV)/.installed  ## unit tests + every notebook re-executed by nbval
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
		$(BIN)/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder

notebooks: $(VENV)/.installed  ## re-execute every notebook in order and store the outputs
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(BIN)/python tools/run_notebooks.py

lint: $(VENV)/.installed
	$(BIN)/ruff check nnlib tests tools benchmarks

# After changing what is installed and re-running the notebooks: record the versions used.
constraints: $(VENV)/.installed
	{ sed -n '1,3p' constraints.txt; $(BIN)/python -m pip freeze --exclude-editable | \
		sed "s/$$/ ; python_version == \"$$($(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')\"/"; \
		} > constraints.txt.tmp && mv constraints.txt.tmp constraints.txt

clean:
	rm -rf $(VENV)

# Editions (docs/teaching.md). Regenerating never overwrites a notebook you have edited: the new
# edition is then written beside it as NAME.new.ipynb.
student: $(VENV)/.installed  ## write the student editions (solutions removed) into student/
	$(BIN)/python tools/make_student.py

study: student  ## self-study: the student editions, opened in JupyterLab
	$(BIN)/jupyter lab $(LAB_ARGS) student/

graded: $(VENV)/.installed  ## graded editions (nbgrader source) into graded/, keys into keys/
	$(BIN)/python tools/make_student.py --graded
	$(BIN)/python tools/make_student.py --guide

# What students get when they must not see the solutions: the wheel, student editions, MNIST.
handout: $(VENV)/.installed  ## write handout/ (see docs/teaching.md)
	$(BIN)/python tools/make_handout.py

# The book (tools/book/build.py): the lessons as a website and a PDF, from their stored outputs.
# MathJax (to typeset offline) and axe-core (the accessibility audit) come from the npm registry.
$(VENV)/.book: $(VENV)/.lessons pyproject.toml tools/book/package.json tools/book/package-lock.json
	$(BIN)/python -m pip install -c constraints.txt -e ".[lessons,book]"
	cd tools/book && npm ci --no-audit --no-fund
	touch $@

book: $(VENV)/.book  ## the website, in build/book/html: open build/book/html/index.html
	$(BIN)/python tools/book/build.py

pdf: $(VENV)/.book  ## the website and build/book/neural-networks-from-scratch.pdf (Chromium)
	$(BIN)/python tools/book/build.py --pdf

# Every page in Chromium, offline: links, maths, images and alt text, axe-core, search; the PDF.
book-test: pdf
	$(BIN)/python -m pytest -p no:cacheprovider tools/book/test_site.py
