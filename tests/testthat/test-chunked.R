# EM as merged sums over pieces of the data (R/chunked.R, internal for now)
# against the in-memory EM from the same start.

chunked_equal_to_memory <- function(x, k, covariance, splits, case_weights = NULL, iters = 15L) {
  x <- as.matrix(x)
  start <- as_start(gmm_fit(x, k = k, covariance = covariance, na = "em",
                            control = serial_control(max_iter = 2L, tol = 0)))
  memory <- gmm_fit(x, k = k, covariance = covariance, init = start, na = "em",
                    case_weights = case_weights,
                    control = serial_control(max_iter = iters, tol = 0, keep_order = TRUE))
  var <- gmmfit:::observed_moments(x, case_weights)$var
  for (parts in splits) {
    piece <- ceiling(seq_len(nrow(x)) * parts / nrow(x))
    chunks <- lapply(seq_len(parts), function(i) x[piece == i, , drop = FALSE])
    w <- if (is.null(case_weights)) NULL else split(case_weights, piece)
    run <- gmmfit:::chunked_em(chunks, start, covariance, iters, var = var, case_weights = w)
    expect_equal(run$trace, memory$trace, tolerance = 1e-10)
    expect_equal(unname(run$params$means), unname(memory$means), tolerance = 1e-10)
    expect_equal(unname(run$params$covariances), unname(memory$covariances), tolerance = 1e-10)
    expect_equal(unname(run$params$weights), unname(memory$weights), tolerance = 1e-10)
  }
}

test_that("EM over merged chunk statistics is the in-memory EM, for every model", {
  set.seed(31)
  for (cov in gmmfit:::model_table$name) {
    chunked_equal_to_memory(iris[, 1:4], 3, cov, splits = c(1, 3))
  }
})

test_that("chunk statistics carry missing values and case weights", {
  set.seed(32)
  x <- with_holes(faithful, 0.1)
  w <- rep(c(1, 2, 0.5), length.out = nrow(x))
  chunked_equal_to_memory(x, 2, "full", splits = c(2, 5), case_weights = w)
  chunked_equal_to_memory(with_holes(swiss, 0.15), 2, "VEV", splits = 3)
})

test_that("statistics merge in a fixed order, whatever computed each chunk", {
  x <- as.matrix(faithful)
  fit <- gmm_fit(x, k = 2, control = serial_control())
  chunks <- split.data.frame(x, rep(1:4, length.out = nrow(x)))
  one <- lapply(chunks, gmmfit:::chunk_stats, params = fit, covariance = "full")
  two <- lapply(chunks, gmmfit:::chunk_stats, params = fit, covariance = "full", n_threads = 2L)
  expect_identical(gmmfit:::merge_stats(one), gmmfit:::merge_stats(two))
  all_rows <- gmmfit:::chunk_stats(x, fit, "full")
  merged <- gmmfit:::merge_stats(one)
  expect_equal(merged$loglik, fit$loglik, tolerance = 1e-12)
  expect_equal(merged$count, all_rows$count, tolerance = 1e-12)
  expect_equal(merged$second, all_rows$second, tolerance = 1e-12)
})
