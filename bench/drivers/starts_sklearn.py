"""Child process of the benchmark: log-likelihoods scikit-learn reaches from its own starts.

    python3 starts_sklearn.py data=<file> n=<n> d=<d> kmin=2 kmax=4 n_init=10

For each k in kmin..kmax and each covariance type, fits
GaussianMixture(n_components=k, covariance_type=..., n_init=n_init,
random_state=0) with every other setting at its default (k-means starts,
reg_covar=1e-6 added to the diagonals) and prints, one record per line (read
by run.R):

    start <k> <covariance type> <loglik> 0   score(X) * n; nan when the fit failed
    version <name> <version>                 scikit-learn and numpy

The data file holds the n x d matrix row by row, numpy's own layout.
"""

import sys
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture

from benchutil import emit, parse_args

COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")


def loglik(x, k, covariance_type, n_init):
    """The log-likelihood of the best of n_init fits, or nan if fitting failed."""
    model = GaussianMixture(n_components=k, covariance_type=covariance_type,
                            n_init=n_init, random_state=0)
    try:
        model.fit(x)
    except (ValueError, np.linalg.LinAlgError):
        return float("nan")
    return model.score(x) * x.shape[0]


def main():
    opt = parse_args(sys.argv[1:])
    n, d = int(opt["n"]), int(opt["d"])
    x = np.fromfile(opt["data"], dtype=np.float64, count=n * d).reshape(n, d)
    emit("version", "scikit-learn", sklearn.__version__)
    emit("version", "numpy", np.__version__)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    for k in range(int(opt["kmin"]), int(opt["kmax"]) + 1):
        for covariance_type in COVARIANCE_TYPES:
            value = loglik(x, k, covariance_type, int(opt["n_init"]))
            emit("start", k, covariance_type, "%.17g" % value, 0)


if __name__ == "__main__":
    main()
