# Data in chunks for the tests: contiguous pieces of a matrix (so that
# binding them gives the matrix back), written to files, and a local
# cluster whose workers load the gmmfit under test.

# `x` cut into `n` contiguous pieces (as matrices).
contiguous_chunks <- function(x, n) {
  x <- as.matrix(x)
  piece <- ceiling(seq_len(nrow(x)) * n / nrow(x))
  lapply(seq_len(n), function(i) x[piece == i, , drop = FALSE])
}

# The pieces saved as .rds files in a fresh directory (removed when the
# calling test ends).
chunk_files <- function(parts, env = parent.frame()) {
  dir <- tempfile("chunks-")
  dir.create(dir)
  withr_defer(function() unlink(dir, recursive = TRUE), env)
  files <- file.path(dir, sprintf("part%02d.rds", seq_along(parts)))
  for (i in seq_along(parts)) saveRDS(parts[[i]], files[[i]])
  files
}

# Runs `fun()` when the frame `env` exits (as withr::defer()).
withr_defer <- function(fun, env) {
  do.call(on.exit, list(bquote(.(fun)()), add = TRUE), envir = env)
}

# A local cluster of `n` workers with this session's library paths (so that
# they load the gmmfit being tested), or a skip when one cannot be started.
test_cluster <- function(n = 2L, env = parent.frame()) {
  cl <- tryCatch(gmm_cluster(n), error = function(e) NULL)
  if (is.null(cl)) testthat::skip("a local cluster could not be started")
  withr_defer(function() parallel::stopCluster(cl), env)
  parallel::clusterCall(cl, function(p) invisible(.libPaths(p)), .libPaths())
  cl
}

# The parts of a fit that must agree between two ways of fitting.
fit_core <- function(fit) {
  fit[c("weights", "means", "covariances", "loglik", "bic", "icl", "n_iter", "converged",
        "search")]
}
