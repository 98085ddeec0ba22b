# Set-up is part of every target: a fresh clone needs only Python >= 3.10 and network to PyPI.
# The ml extra pins torch==2.13.0 (CPU build); never install an unpinned torch.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

PHOTOS ?= ../shared/data/photos
DEVBENCH ?= build/devbench

.PHONY: demo test bench-dev bench-clean bench-large clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[ml,test]'
	touch $@

demo: $(VENV)/.installed  ## repair the bundled sample into out/
	$(VENV)/bin/dustoff restore samples/dusty_slide.png -o out --save-mask --overwrite
	@echo "wrote out/dusty_slide.png and out/dusty_slide.mask.png"

test: $(VENV)/.installed  ## run the test suite
	$(PY) -m pytest

bench-dev: $(VENV)/.installed  ## every method on the development benchmark (docs/BENCHMARKS.md)
	$(VENV)/bin/dustoff dataset build $(PHOTOS) $(DEVBENCH)/data --sizes 512 --split 17:1:2 \
		--per-image 4 --clean-per-split 64 --only-splits test --structured-only --seed 0
	$(VENV)/bin/dustoff bench $(DEVBENCH)/data -o $(DEVBENCH)/report

bench-clean: $(VENV)/.installed  ## fraction of pixels restore changes on 20 clean photos
	$(PY) benchmarks/clean_change_fraction.py

bench-large: $(VENV)/.installed  ## wall time and peak memory on a 24-megapixel 16-bit scan
	$(PY) benchmarks/large_scan.py --repeat 5

clean:
	rm -rf $(VENV) out build *.egg-info src/*.egg-info
