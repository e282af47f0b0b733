#' gmmfit for users of mclust and scikit-learn
#'
#' Where to find in gmmfit what mclust's and scikit-learn's Gaussian
#' mixtures offer.
#'
#' @section From mclust:
#' \tabular{ll}{
#'   `Mclust(x, G = 1:9)` \tab `gmm_fit(x, k = 1:9, covariance = "all")` (all fourteen models) \cr
#'   `modelNames = "VEV"` \tab `covariance = "VEV"` (the mclust names; VVV, EEE, VVI and VII are called `"full"`, `"tied"`, `"diag"` and `"spherical"` in fits) \cr
#'   `m$BIC`, `summary(m$BIC)` \tab `fit$search`, `print(fit$search, wide = TRUE)` (lower is better: the sign is the opposite of mclust's) \cr
#'   `m$classification`, `m$z`, `m$uncertainty` \tab `fitted(fit)`, `fit$posterior`, `predict(fit, type = "uncertainty")` \cr
#'   `predict(m, newdata)` \tab `predict(fit, newdata, type = "class")` or `type = "prob"` \cr
#'   `dens(modelName, data, parameters = m$parameters)` \tab `predict(fit, newdata, type = "density")` \cr
#'   `sim(modelName, parameters, n)` \tab `simulate(fit, nsim = n)` \cr
#'   `hc()` \tab the default start, `init = c("hc", "kmeans++")` \cr
#'   `icl(m)`, `mclustICL()` \tab `fit$icl`, `criterion = "icl"` \cr
#'   `plot(m, what = "classification")`, `"uncertainty"`, `"density"`, `"BIC"` \tab `plot(fit, what = "classification")`, `"uncertainty"`, `"density"`, `"bic"` \cr
#'   `emControl(tol = )`, `priorControl()` \tab `gmm_control(tol = )`; `gmm_control(reg = )` regularises instead of a prior \cr
#' }
#'
#' @section From scikit-learn:
#' \tabular{ll}{
#'   `GaussianMixture(n_components = 3).fit(X)` \tab `gmm_fit(x, k = 3)` \cr
#'   `covariance_type = "full"` (`"tied"`, `"diag"`, `"spherical"`) \tab `covariance = "full"` (the same names) \cr
#'   `n_init`, `max_iter`, `tol`, `reg_covar` \tab `n_init`; `gmm_control(max_iter, tol, reg)` (`reg` is relative to each variable's variance; `tol` is on the relative change of the log-likelihood) \cr
#'   `init_params = "kmeans"` \tab `init = "kmeans++"` (the default adds the hierarchical start) \cr
#'   `random_state = 0` \tab `set.seed(0)` before the call \cr
#'   `weights_`, `means_`, `covariances_` \tab `fit$weights`, `fit$means`, `fit$covariances` (d x d x k) \cr
#'   `predict(X)`, `predict_proba(X)` \tab `predict(fit, x)`, `predict(fit, x, type = "prob")` \cr
#'   `score_samples(X)` \tab `predict(fit, x, type = "density", log = TRUE)` \cr
#'   `score(X)` \tab `logLik(fit, newdata = x) / nrow(x)` \cr
#'   `bic(X)`, `aic(X)` \tab `BIC(fit)`, `AIC(fit)` (on the fitted data) \cr
#'   `sample(n)` \tab `simulate(fit, nsim = n)` \cr
#'   `converged_`, `n_iter_`, `lower_bound_` \tab `fit$converged`, `fit$n_iter`, `fit$loglik / fit$n` \cr
#' }
#' Choosing k means a loop in scikit-learn; in gmmfit it is `k = 1:9` (and
#' several `covariance`) in one call.
#'
#' @seealso [gmm_fit()], [predict.gmmfit()], [simulate.gmmfit()],
#'   [gmm_marginal()] and [gmm_conditional()], which neither package offers.
#' @name gmmfit_equivalents
#' @keywords documentation
NULL
