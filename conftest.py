"""pytest's set-up for the whole repository, so that `python -m pytest` alone (without make, e.g.
on Windows) runs the tests as CI does: one BLAS thread per process. Matrix products then give the
same last digits as the stored notebook outputs, and two test workers (pytest -n 2) do not fight
over the cores. The variables are set before NumPy is first imported, and the notebook kernels
that nbval starts inherit them; a value already set in the environment wins."""

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
