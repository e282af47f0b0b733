#' Tidy summaries of a mixture and of a model search
#'
#' Methods for the [generics][generics::tidy] `tidy()`, `glance()` and
#' `augment()` that broom users call (gmmfit needs neither broom nor
#' generics; the methods are registered when generics is loaded, as it is
#' with broom). They return data frames.
#'
#' * `tidy()` of a mixture: one row per component and parameter, with
#'   columns `component`, `term` (`"weight"`, `"mean"`, `"variance"`,
#'   `"covariance"`), `variable` and `variable2` (the variables a mean,
#'   variance or covariance belongs to; `NA` where none) and `estimate`.
#'   Covariances are listed once per pair (`variable` before `variable2` in
#'   the model's order), and only for the `"full"` and `"tied"` structures.
#' * `glance()` of a mixture: one row with `k`, `covariance`, `logLik`,
#'   `AIC`, `BIC`, `ICL`, `df`, `nobs`, `converged` and `n_iter` (for a
#'   fitted mixture; one given by [gmm_mixture()] has `k`, `covariance` and
#'   `df` only).
#' * `augment()` of a mixture: the data (by default those of the fit;
#'   `newdata` for others) with columns `.class`, `.uncertainty` and one
#'   `.prob_<component>` per component.
#' * `tidy()` of a search table (`fit$search`): its rows, with columns
#'   `k`, `covariance`, `logLik`, `df`, `BIC`, `AIC`, `ICL`, `converged`,
#'   `n_iter`, `degenerate`, `error`.
#' * `glance()` of a search table: one row with the number of candidates,
#'   of failed and degenerate ones, the criterion, and the chosen `k`,
#'   `covariance` and criterion value.
#'
#' @param x A mixture from [gmm_fit()] or [gmm_mixture()], or a search table.
#' @param data For `augment()`: the data to augment (by default the fitted
#'   data).
#' @param newdata For `augment()`: new data to augment instead.
#' @param ... Unused.
#' @return A data frame.
#' @examples
#' set.seed(1)
#' fit <- gmm_fit(iris[, 3:4], k = 1:4)
#' if (requireNamespace("generics", quietly = TRUE)) {
#'   print(head(generics::tidy(fit)))
#'   print(generics::glance(fit))
#'   print(head(generics::augment(fit)))
#'   print(generics::glance(fit$search))
#' }
#' @name gmmfit_tidiers
NULL

#' @rdname gmmfit_tidiers
#' @exportS3Method generics::tidy
tidy.gmmfit <- function(x, ...) {
  check_object(x, "x")
  vars <- x$vars
  d <- length(vars)
  k <- length(x$weights)
  rows <- list()
  for (j in seq_len(k)) {
    s <- matrix(x$covariances[, , j], d, d)
    pairs <- if (!model_rows(x$covariance)$diagonal && d > 1L) {
      which(upper.tri(s), arr.ind = TRUE)
    } else {
      matrix(integer(0), 0L, 2L)
    }
    rows[[j]] <- data.frame(
      component = j,
      term = c("weight", rep("mean", d), rep("variance", d), rep("covariance", nrow(pairs))),
      variable = c(NA, vars, vars, vars[pairs[, 1L]]),
      variable2 = c(NA, rep(NA, d), vars, vars[pairs[, 2L]]),
      estimate = c(x$weights[[j]], x$means[j, ], diag(s), s[pairs]),
      stringsAsFactors = FALSE
    )
  }
  out <- do.call(rbind, rows)
  rownames(out) <- NULL
  out
}

#' @rdname gmmfit_tidiers
#' @exportS3Method generics::glance
glance.gmmfit <- function(x, ...) {
  check_object(x, "x")
  out <- data.frame(k = length(x$weights), covariance = x$covariance,
                    stringsAsFactors = FALSE)
  if (!is.null(x$loglik)) {
    out$logLik <- x$loglik
    out$AIC <- x$aic %||% (-2 * x$loglik + 2 * x$df)
    out$BIC <- x$bic
    out$ICL <- x$icl %||% NA_real_
    out$df <- x$df
    out$nobs <- x$n
    out$converged <- x$converged
    out$n_iter <- x$n_iter
  } else {
    out$df <- x$df
  }
  out
}

#' @rdname gmmfit_tidiers
#' @exportS3Method generics::augment
augment.gmmfit <- function(x, data = NULL, newdata = NULL, ...) {
  check_object(x, "x")
  rows <- newdata %||% data
  if (is.null(rows)) {
    if (is.null(x$data)) gmm_abort(no_data("`data` or `newdata` is required", x))
    rows <- x$data
  }
  prob <- predict.gmmfit(x, rows, type = "prob")
  out <- as.data.frame(rows, stringsAsFactors = FALSE)
  out$.class <- classify(prob)
  out$.uncertainty <- uncertainty(prob)
  for (j in seq_len(ncol(prob))) out[[paste0(".prob_", colnames(prob)[j])]] <- prob[, j]
  rownames(out) <- rownames(rows)
  out
}

#' @rdname gmmfit_tidiers
#' @exportS3Method generics::tidy
tidy.gmm_search <- function(x, ...) {
  out <- as.data.frame(unclass(x), stringsAsFactors = FALSE)
  names(out)[names(out) == "loglik"] <- "logLik"
  for (nm in c("bic", "aic", "icl")) names(out)[names(out) == nm] <- toupper(nm)
  out
}

#' @rdname gmmfit_tidiers
#' @exportS3Method generics::glance
glance.gmm_search <- function(x, ...) {
  criterion <- attr(x, "criterion") %||% "bic"
  fitted <- is.na(x$error)
  flat <- fitted & x$degenerate %in% TRUE
  best <- search_choice(x, criterion)
  data.frame(candidates = nrow(x), failed = sum(!fitted), degenerate = sum(flat),
             criterion = criterion, k = x$k[best], covariance = x$covariance[best],
             value = x[[criterion]][best], stringsAsFactors = FALSE)
}
