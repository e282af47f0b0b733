"""Child process of the benchmark for scikit-learn's GaussianMixture.

    python3 fit_sklearn.py data=<file> start=<file> n=<n> d=<d> k=<k>
                           covariance=full iters=20 reps=3 reg=0

Runs `reps` fits of `iters` EM iterations from the common start and prints,
one record per line (read by run.R):

    fit <seconds> <iterations> <loglik>   one line per fit
    memory <rss_before_kb> <peak_kb>      RSS just before the first fit and the
                                          peak RSS just after it
    version <name> <version>              scikit-learn, numpy, and the BLAS

The data file holds the n x d matrix row by row, numpy's own layout; the start
file holds k weights, the k means one after the other, then the k covariance
matrices.

Timing covers the whole fit() call. Besides the EM iterations, fit() makes one
pass over the data to build an initial partition that the given start then
replaces; "random_from_data" is the cheapest such partition.
"""

import gc
import sys
import time
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture

from benchutil import blas_description, emit, memory_kb, parse_args


def read_start(path, d, k):
    """Weights (k), means (k x d) and covariances (k x d x d) of the start."""
    v = np.fromfile(path, dtype=np.float64, count=k + k * d + k * d * d)
    weights = v[:k].copy()
    means = v[k:k + k * d].reshape(k, d).copy()
    # each d x d matrix is stored column by column: transpose the C-order view
    covs = v[k + k * d:].reshape(k, d, d).transpose(0, 2, 1).copy()
    return weights, means, covs


def precisions(covs, covariance):
    """The start's inverse covariances in the shape scikit-learn expects."""
    if covariance == "full":
        return np.linalg.inv(covs)
    if covariance == "tied":
        return np.linalg.inv(covs[0])
    if covariance == "diag":
        return 1.0 / np.diagonal(covs, axis1=1, axis2=2)
    if covariance == "spherical":
        return 1.0 / covs[:, 0, 0]
    raise ValueError("unknown covariance structure " + covariance)


def initial_partition():
    """The cheapest init_params of this scikit-learn version."""
    major, minor = (int(p) for p in sklearn.__version__.split(".")[:2])
    return "random_from_data" if (major, minor) >= (1, 1) else "random"


def make_model(opt, start):
    weights, means, covs = start
    return GaussianMixture(
        n_components=len(weights), covariance_type=opt["covariance"],
        tol=0.0, reg_covar=float(opt["reg"]), max_iter=int(opt["iters"]),
        n_init=1, init_params=initial_partition(), weights_init=weights,
        means_init=means, precisions_init=precisions(covs, opt["covariance"]),
        random_state=0)


def main():
    opt = parse_args(sys.argv[1:])
    n, d, k = int(opt["n"]), int(opt["d"]), int(opt["k"])
    x = np.fromfile(opt["data"], dtype=np.float64, count=n * d).reshape(n, d)
    start = read_start(opt["start"], d, k)
    emit("version", "scikit-learn", sklearn.__version__)
    emit("version", "numpy", np.__version__)
    emit("version", "BLAS", blas_description())
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    gc.collect()
    before = memory_kb()[0]
    for rep in range(int(opt["reps"])):
        model = make_model(opt, start)
        t0 = time.perf_counter()
        model.fit(x)
        seconds = time.perf_counter() - t0
        # lower_bound_ belongs to the E-step before the last M-step; the
        # log-likelihood of the final parameters is score() times n
        loglik = model.score(x) * n
        emit("fit", "%.6f" % seconds, model.n_iter_, "%.17g" % loglik)
        if rep == 0:
            emit("memory", "%.0f" % before, "%.0f" % memory_kb()[1])


if __name__ == "__main__":
    main()
