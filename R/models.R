# The covariance models: the one place in R that knows them. Checks,
# classes, print methods and tests read this table; the engine has the same
# models in the same order (src/gmmcore/structures.h, checked by the tests
# through cpp_models()).
#
#   name      what gmmfit calls the model (fit$covariance holds it)
#   mclust    mclust's name, accepted as a synonym: volume, shape and
#             orientation, each E (equal across components), V (varying)
#             or I (the identity: a round, or an axis-aligned, component)
#   sklearn   scikit-learn's covariance_type, where it has the model
#   code      the engine's number for it (CovType)
#   diagonal  every covariance is diagonal (orientation I)
#   spherical every covariance is a multiple of the identity (shape I)
#   shared    all components have one covariance matrix
#   iterative its M-step iterates (to a relative change of 1e-12 in its
#             objective, at most 100 rounds) instead of having a closed form
model_table <- local({
  mclust <- c("VVV", "EEE", "VVI", "VII", "EII", "EEI", "VEI", "EVI", "VEE", "EEV", "VEV", "EVV",
              "EVE", "VVE")
  sklearn <- c("full", "tied", "diag", "spherical", rep(NA, 10L))
  letter <- function(i) substr(mclust, i, i)
  data.frame(
    name = ifelse(is.na(sklearn), mclust, sklearn),
    mclust = mclust,
    sklearn = sklearn,
    code = seq_along(mclust) - 1L,
    diagonal = letter(3L) == "I",
    spherical = letter(2L) == "I",
    shared = letter(1L) != "V" & letter(2L) != "V" & letter(3L) != "V",
    iterative = mclust %in% c("VEI", "VEE", "VEV", "EVE", "VVE"),
    description = c(
      "each component its own unrestricted covariance",
      "one unrestricted covariance shared by all components",
      "each component its own diagonal covariance (axis-aligned ellipses)",
      "each component its own variance, the same in every direction",
      "one variance, the same in every direction, for all components",
      "one diagonal covariance shared by all components",
      "diagonal: equal shapes, volumes that differ",
      "diagonal: equal volumes, shapes that differ",
      "equal shapes and orientations, volumes that differ",
      "equal volumes and shapes, orientations that differ",
      "equal shapes, volumes and orientations that differ",
      "equal volumes, shapes and orientations that differ",
      "equal volumes and orientations, shapes that differ",
      "equal orientations, volumes and shapes that differ"
    ),
    stringsAsFactors = FALSE
  )
})

# mclust names in mclust's order (by volume, shape, orientation: simplest
# first).
model_order <- function(mclust) {
  all <- c("EII", "VII", "EEI", "VEI", "EVI", "VVI", "EEE", "VEE", "EVE", "VVE",
           "EEV", "VEV", "EVV", "VVV")
  mclust[order(match(mclust, all))]
}

# The names `covariance` accepts, each with the model it names (made once,
# when the package is built).
model_synonyms <- local({
  t <- model_table
  syn <- c(stats::setNames(t$name, t$name), stats::setNames(t$name, t$mclust),
           stats::setNames(t$name, t$sklearn))
  syn <- syn[!duplicated(names(syn))]
  function() syn
})

# The rows of the table for the models named `covariance` (gmmfit names),
# as a list of columns (subsetting the data frame itself costs more than a
# small search's fits).
model_rows <- function(covariance) {
  if (length(covariance) == 1L && !is.null(row <- model_row_list[[covariance]])) return(row)
  i <- match(covariance, model_table$name)
  lapply(model_table, `[`, i)
}

# Each model's row as a list, by name: what model_rows() gives for one.
model_row_list <- stats::setNames(
  lapply(seq_len(nrow(model_table)), function(i) lapply(model_table, `[`, i)),
  model_table$name
)

# mclust's letters of each model as numbers (rows: models in the table's
# order; columns: volume, shape, orientation): 2 for V, 1 for E, 0 for I.
model_letters <- vapply(1:3, function(i) {
  letter <- substr(model_table$mclust, i, i)
  ifelse(letter == "V", 2L, ifelse(letter == "E", 1L, 0L))
}, integer(nrow(model_table)))

# Integer code of a covariance model for the C++ engine.
covariance_code <- function(covariance) model_table$code[match(covariance, model_table$name)]

# Free parameters: k - 1 weights, k d means, and the covariance parameters,
# counted from mclust's letters: the volume 1 (E) or k (V) values, the shape
# d - 1 or k (d - 1) (none for I), the orientation d (d - 1) / 2 or
# k d (d - 1) / 2 (none for I); with equal weights, no weights. Vectorised
# over k and covariance.
n_parameters <- function(k, d, covariance, equal_weights = FALSE) {
  m <- max(length(k), length(covariance))
  k <- rep_len(k, m)
  letters <- model_letters[match(rep_len(covariance, m), model_table$name), , drop = FALSE]
  times <- function(letter) (letter == 2L) * k + (letter == 1L)
  cov <- times(letters[, 1L]) + times(letters[, 2L]) * (d - 1) +
    times(letters[, 3L]) * d * (d - 1) / 2
  as.integer(if (equal_weights) 0 else k - 1) + as.integer(k * d + cov)
}

# The model's parameters from the engine's M-step applied to the
# covariances themselves: unchanged when they follow the model, otherwise
# the nearest of the model (the diagonals for "diag", the mean variance for
# "spherical", the weighted mean for "tied").
project_params <- function(p, covariance) {
  out <- cpp_project(p, covariance_code(covariance))
  # (NULL covariances when the projection is not positive definite.)
  p$covariances <- if (is.null(out$error)) array(out$covariances, dim(p$covariances))
  p
}
