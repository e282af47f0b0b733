#' gmmfit: fast Gaussian mixture models fitted by EM
#'
#' Fit mixtures with [gmm_fit()], predict with [predict.gmmfit()], generate data
#' with [simulate.gmmfit()], compare models with [stats::BIC()] or a search over
#' `k` and covariance structures.
#'
#' @useDynLib gmmfit, .registration = TRUE
#' @importFrom Rcpp sourceCpp
#' @importFrom stats coef fitted logLik nobs predict rexp runif simulate
#' @keywords internal
"_PACKAGE"
