# Two commands do everything:  make lab  (install, open the lessons)  and  make test  (install, test).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
LAB_ARGS ?=  # e.g. make lab LAB_ARGS="--no-browser --port 8889"

.PHONY: lab test notebooks lint student study graded clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

# Reinstall when the requirements change; `pip install` is idempotent and keeps what fits.
$(VENV)/.installed: $(BIN)/activate requirements.txt pyproject.toml
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements.txt -e .
	touch $@

# Rooted at the repository, so that the lessons' links to README.md work; opens lesson 1.
lab: $(VENV)/.installed  ## open the lessons in JupyterLab
	$(BIN)/jupyter lab --ServerApp.root_dir=. $(LAB_ARGS) notebooks/01_neurons_and_activations.ipynb

test: $(VENV)/.installed  ## unit tests + every notebook re-executed by nbval
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
		$(BIN)/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder

notebooks: $(VENV)/.installed  ## re-execute every notebook in order and store the outputs
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(BIN)/python tools/run_notebooks.py

lint: $(VENV)/.installed
	$(BIN)/ruff check nnlib tests tools benchmarks

clean:
	rm -rf $(VENV)

# Editions (docs/teaching.md). Regenerating never overwrites a notebook you have edited: the new
# edition is then written beside it as NAME.new.ipynb.
student: $(VENV)/.installed  ## write the student editions (solutions removed) into student/
	$(BIN)/python tools/make_student.py

study: student  ## self-study: the student editions, opened in JupyterLab
	$(BIN)/jupyter lab $(LAB_ARGS) student/

graded: $(VENV)/.installed  ## write the graded editions (nbgrader source) into graded/
	$(BIN)/python tools/make_student.py --graded
