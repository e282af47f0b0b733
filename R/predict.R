#' Predictions from a Gaussian mixture
#'
#' Classifies observations, gives their posterior probabilities of belonging
#' to each component, or evaluates the mixture density.
#'
#' @param object A `"gmmfit"` object from [gmm_fit()] or [gmm_mixture()].
#' @param newdata Data with the variables the model was fitted on: a matrix or
#'   data frame (columns are matched by name, so extra columns are ignored) or,
#'   for a one-variable model, a numeric vector. When missing, the training data
#'   is used.
#' @param type `"class"`: the most probable component of each row; `"prob"`:
#'   an n x k matrix of posterior probabilities; `"density"`: the mixture
#'   density at each row; `"uncertainty"`: one minus the largest posterior
#'   probability of each row (0 for a row surely in its class, up to
#'   1 - 1/k for one equally likely in every component; mclust's
#'   `uncertainty`); `"impute"`: the data with each missing value replaced
#'   by its conditional mean given the row's observed values, the
#'   components' conditional means mixed by the row's posterior
#'   probabilities.
#'
#'   Rows with missing values (NA) are classified, and their posteriors
#'   and densities computed, from their observed values alone (the
#'   marginal mixture of those variables); a row needs at least one
#'   observed value.
#' @param log If `TRUE`, return log probabilities or log densities (not used
#'   for `"class"`). Log densities are computed in the log domain, so they do
#'   not underflow far from the data.
#' @param write For `newdata` in chunks ([gmm_chunks()], or a list of
#'   matrices): `NULL` to return a list with each chunk's predictions, or a
#'   function called as `write(value, i)` with chunk `i`'s predictions (to
#'   write them out), so that only one chunk is held at a time.
#' @param ... Unused.
#' @return For data in chunks, a list with one element per chunk as
#'   below, or with `write` the number of chunks (invisibly). Otherwise an
#'   integer vector (`"class"`), a matrix (`"prob"`, and
#'   `"impute"`: the data's columns, as a matrix), or a numeric
#'   vector (`"density"`, `"uncertainty"`). A row so far from every component that its density
#'   underflows to zero gets density 0 (log density `-Inf`), `NaN`
#'   probabilities and class `NA`.
#' @seealso [fitted.gmmfit()]
#' @examples
#' set.seed(1)
#' fit <- gmm_fit(iris[, 1:4], k = 3)
#' head(predict(fit, type = "prob"))
#' predict(fit, newdata = iris[c(1, 51, 101), ], type = "class")
#' predict(fit, newdata = iris[1:3, ], type = "density", log = TRUE)
#' summary(predict(fit, type = "uncertainty"))
#'
#' # rows with missing values: classes from the observed values, and the
#' # missing ones filled in
#' holes <- as.matrix(iris[c(1, 51, 101), 1:4])
#' holes[cbind(1:3, c(1, 3, 4))] <- NA
#' predict(fit, holes, type = "class")
#' predict(fit, holes, type = "impute")
#' @export
predict.gmmfit <- function(object, newdata,
                           type = c("class", "prob", "density", "uncertainty", "impute"),
                           log = FALSE, write = NULL, ...) {
  check_object(object)
  type <- check_choice(type, predict_types, "type", partial = TRUE)
  log <- check_flag(log, "log")
  if (missing(newdata) || is.null(newdata)) {
    if (is.null(object$data)) gmm_abort(no_data("`newdata` is required", object))
    x <- object$data
  } else if (!is.null(chunks <- as_chunks(newdata))) {
    return(predict_chunks(object, chunks, type, log, write))
  } else {
    x <- check_newdata(terms_frame(object, newdata), object$vars)
  }
  if (anyNA(x)) check_rows_observed(x)
  e <- estep_rows(x, object, covariance_code(object$covariance), object_threads(object),
                  simd_code(object$control))
  if (!is.null(e$error)) gmm_abort(e$error, class = "gmm_fit_error")
  switch(type,
    class = stats::setNames(classify(e$posterior), rownames(x)),
    prob = {
      p <- if (log) log(e$posterior) else e$posterior
      dimnames(p) <- list(rownames(x), names(object$weights))
      p
    },
    density = stats::setNames(if (log) e$logdens else exp(e$logdens), rownames(x)),
    uncertainty = stats::setNames(uncertainty(e$posterior), rownames(x)),
    impute = impute_rows(object, x, e$posterior)
  )
}

predict_types <- c("class", "prob", "density", "uncertainty", "impute")

# Each missing value of x replaced by sum_j z_ij E_j[x_m | x_o]: the
# components' conditional means mu_m + S_mo S_oo^-1 (x_o - mu_o), mixed by
# the posteriors from the observed values. One solve per pattern and
# component.
impute_rows <- function(object, x, posterior) {
  nas <- is.na(x)
  rows <- which(rowSums(nas) > 0L)
  if (!length(rows)) return(x)
  key <- apply(nas[rows, , drop = FALSE], 1L, function(r) paste(which(r), collapse = " "))
  for (pattern in split(rows, key)) {
    m <- nas[pattern[[1L]], ]
    o <- !m
    xo <- x[pattern, o, drop = FALSE]
    filled <- matrix(0, length(pattern), sum(m))
    for (j in seq_along(object$weights)) {
      s <- object$covariances[, , j]
      mu <- object$means[j, ]
      centred <- sweep(xo, 2L, mu[o])
      cond <- sweep(centred %*% solve(s[o, o, drop = FALSE], s[o, m, drop = FALSE]), 2L,
                    mu[m], "+")
      filled <- filled + posterior[pattern, j] * cond
    }
    x[pattern, m] <- filled
  }
  x
}

# Every row of new data needs an observed value.
check_rows_observed <- function(x) {
  empty <- which(rowSums(!is.na(x)) == 0L)
  if (length(empty)) {
    gmm_abort(sprintf(
      "`newdata` has %s with every value missing (%s %s): there is nothing to predict from.",
      plural("row", length(empty)), plural("row", length(empty)),
      paste(utils::head(empty, 5L), collapse = ", ")))
  }
  invisible(x)
}

object_threads <- function(object) {
  if (is.null(object$control)) 1L else object$control$n_threads
}

#' Fitted values of a Gaussian mixture
#'
#' The classification, posterior probabilities or densities of the training
#' data; the same as [predict.gmmfit()] without `newdata`.
#'
#' @inheritParams predict.gmmfit
#' @return See [predict.gmmfit()].
#' @examples
#' fit <- gmm_fit(faithful, k = 2)
#' table(fitted(fit))
#' @export
fitted.gmmfit <- function(object, type = c("class", "prob", "density", "uncertainty", "impute"),
                          log = FALSE, ...) {
  check_object(object)
  type <- check_choice(type, predict_types, "type", partial = TRUE)
  if (is.null(object$posterior)) gmm_abort(no_data("`object` has no fitted values", object))
  switch(type,
    class = object$classification,
    prob = if (check_flag(log, "log")) log(object$posterior) else object$posterior,
    density = predict.gmmfit(object, type = "density", log = log),
    uncertainty = stats::setNames(uncertainty(object$posterior), rownames(object$posterior)),
    impute = impute_rows(object, object$data, object$posterior)
  )
}

# One minus each row's largest posterior probability (NA where the row has
# no finite density).
uncertainty <- function(posterior) {
  cls <- classify(posterior)
  1 - posterior[cbind(seq_along(cls), cls)]
}

# Most probable component of each row; NA where the posterior is undefined.
classify <- function(posterior) {
  # As max.col(posterior, "first"): NA for a row with NaN (a point without
  # finite density).
  cpp_classify(posterior)
}

# New data for a fit made from a formula: its terms evaluated in the data
# frame (so `~ log(a) + b` gives the `log(a)` column); other data as given.
terms_frame <- function(object, newdata) {
  if (is.null(object$terms) || !is.data.frame(newdata)) return(newdata)
  frame <- tryCatch(
    stats::model.frame(object$terms, newdata, na.action = stats::na.pass),
    error = function(e) {
      gmm_abort(sprintf("The model's formula could not be evaluated in `newdata`: %s",
                        conditionMessage(e)))
    })
  attr(frame, "terms") <- NULL
  frame
}

# Why a fit has no data: not fitted, or fitted on chunks, which it does not
# keep.
no_data <- function(what, object) {
  if (is.null(object$source)) return(paste0(what, ": this mixture was not fitted to data."))
  paste0(what, ": this mixture was fitted on data in chunks, which it does not keep; ",
         "give them again (predict(fit, newdata = chunks) works chunk by chunk).")
}

# Predictions chunk by chunk: each chunk read, checked as newdata (errors
# name the chunk) and predicted, then kept in a list or handed to `write`.
predict_chunks <- function(object, src, type, log, write) {
  if (!is.null(write) && !is.function(write)) {
    gmm_abort(sprintf("`write` must be NULL or a function(value, i), not %s.", describe(write)))
  }
  out <- if (is.null(write)) vector("list", src$n_chunks)
  for (i in seq_len(src$n_chunks)) {
    x <- chunk_newdata(object, src, i)
    value <- predict.gmmfit(object, x, type = type, log = log)
    if (is.null(write)) out[[i]] <- value else write(value, i)
  }
  if (is.null(write)) out else invisible(src$n_chunks)
}

chunk_newdata <- function(object, src, i) {
  raw <- read_chunk(src, i)
  tryCatch(check_newdata(terms_frame(object, raw), object$vars),
           gmm_input_error = function(e) {
             gmm_abort(sprintf("%s: %s", chunk_label(src, i), conditionMessage(e)),
                       class = "gmm_chunk_error", chunk = i)
           })
}
