"""Reference rate of the machine: numpy's product of two size x size matrices.

    python3 dgemm.py size=4000

Prints, one record per line (read by run.R):

    dgemm <gflops> <seconds> <size>   2 size^3 flops over the best time
    version <name> <version>          numpy and the BLAS it uses

The thread count is set by the caller through OMP_NUM_THREADS and
OPENBLAS_NUM_THREADS. A product taking less than a second is repeated (up to
five times in all) and the fastest is kept.
"""

import sys
import time

import numpy as np

from benchutil import blas_description, emit, parse_args


def main():
    size = int(parse_args(sys.argv[1:]).get("size", "4000"))
    rng = np.random.default_rng(1)
    a = rng.standard_normal((size, size))
    b = rng.standard_normal((size, size))
    np.dot(a[:200, :200], b[:200, :200])  # load and warm up the BLAS
    best = float("inf")
    total = 0.0
    for _ in range(5):
        t0 = time.perf_counter()
        np.dot(a, b)
        seconds = time.perf_counter() - t0
        best = min(best, seconds)
        total += seconds
        if total > 1.0:
            break
    emit("version", "numpy", np.__version__)
    emit("version", "BLAS", blas_description())
    emit("dgemm", "%.4f" % (2.0 * size ** 3 / best / 1e9), "%.4f" % best, size)


if __name__ == "__main__":
    main()
