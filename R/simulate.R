#' Simulate new data from a Gaussian mixture
#'
#' Draws `nsim` new observations: a component for each with probabilities equal
#' to the mixing weights, then a normal vector from that component.
#'
#' The random number generator is handled as in `stats::simulate()`: with
#' `seed = NULL` the current stream is used and advanced; with an integer
#' `seed` the draws come from [set.seed()]`(seed)` and the caller's stream is
#' restored afterwards. The state used is attached as `attr(, "seed")`.
#'
#' @param object A `"gmmfit"` object.
#' @param nsim Number of observations to draw.
#' @param seed `NULL` or a single integer (see Details).
#' @param ... Unused.
#' @return A data frame with `nsim` rows: one column per variable, named as in
#'   the data, and an integer column `component`.
#' @examples
#' set.seed(1)
#' fit <- gmm_fit(iris[, 3:4], k = 3)
#' new_flowers <- simulate(fit, nsim = 300, seed = 42)
#' head(new_flowers)
#' table(new_flowers$component)
#' @importFrom stats simulate
#' @export
simulate.gmmfit <- function(object, nsim = 1, seed = NULL, ...) {
  check_object(object)
  nsim <- check_count(nsim, "nsim", min = 0L)
  rng <- seed_rng(seed)
  on.exit(rng$restore())
  k <- length(object$weights)
  comp <- sample.int(k, nsim, replace = TRUE, prob = object$weights)
  x <- matrix(0, nsim, length(object$vars), dimnames = list(NULL, object$vars))
  for (j in seq_len(k)) {
    rows <- which(comp == j)
    if (!length(rows)) next
    z <- matrix(stats::rnorm(length(rows) * ncol(x)), length(rows))
    x[rows, ] <- z %*% chol(object$covariances[, , j]) +
      rep(object$means[j, ], each = length(rows))
  }
  out <- data.frame(x, component = comp, check.names = FALSE)
  attr(out, "seed") <- rng$state
  out
}

# stats::simulate()'s seed contract: remember the caller's stream when a seed
# is given, and describe the state used.
seed_rng <- function(seed) {
  if (!is.null(seed) && (!is.numeric(seed) || length(seed) != 1L || !is_whole(seed) ||
                         abs(seed) > .Machine$integer.max)) {
    gmm_abort(sprintf("`seed` must be NULL or a single whole number (as for set.seed()), not %s.",
                      describe_value(seed)))
  }
  if (!exists(".Random.seed", envir = globalenv(), inherits = FALSE)) stats::runif(1)
  if (is.null(seed)) {
    return(list(state = get(".Random.seed", envir = globalenv()), restore = function() NULL))
  }
  saved <- get(".Random.seed", envir = globalenv())
  set.seed(seed)
  list(
    state = structure(seed, kind = as.list(RNGkind())),
    restore = function() assign(".Random.seed", saved, envir = globalenv())
  )
}
