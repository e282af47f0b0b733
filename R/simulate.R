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
#' The draws are made in C++ straight into the columns of the result, which
#' takes `nsim * (8 d + 4)` bytes for `d` variables (800 MB for `nsim = 1e8`
#' and one variable), plus the `nsim` component labels drawn first; a
#' hundred million draws take seconds.
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
  cols <- cpp_simulate(object, comp)
  # A data frame built from the columns directly: data.frame() would copy
  # them, and a large request is mostly memory.
  out <- structure(c(cols, list(comp)), names = c(object$vars, "component"),
                   class = "data.frame", row.names = .set_row_names(nsim))
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
