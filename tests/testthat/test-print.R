test_that("print() describes the fit and returns it invisibly", {
  set.seed(91)
  fit <- gmm_fit(faithful, k = 2, n_init = 1)
  expect_output(
    res <- withVisible(print(fit)),
    paste0("Gaussian mixture: 2 components, full covariance, 2 variables, 272 observations",
           ".*log-likelihood -?[0-9.]+, df 11, BIC [0-9.]+ \\(lower is better\\); converged",
           ".*Mixing weights.*Means:.*eruptions.*waiting")
  )
  expect_false(res$visible)
  expect_identical(res$value, fit)
})

test_that("print() says when EM did not converge", {
  set.seed(92)
  fit <- suppressWarnings(
    gmm_fit(faithful, k = 2, n_init = 1, control = gmm_control(tol = 0, max_iter = 2))
  )
  expect_output(print(fit), "NOT converged after 2 iterations")
})

test_that("print() of a mixture that was not fitted says so", {
  mix <- gmm_mixture(c(0.3, 0.7), c(0, 5), c(1, 4), covariance = "spherical")
  expect_output(print(mix), "1 variable \\(not fitted\\)")
  expect_output(print(mix), "2 components, spherical covariance")
})

test_that("summary() computes a summary.gmmfit whose print returns it invisibly", {
  set.seed(93)
  fit <- gmm_fit(iris[, 1:4], k = 3, n_init = 1)
  s <- summary(fit)
  expect_s3_class(s, "summary.gmmfit")
  expect_identical(s$sizes, tabulate(fit$classification, 3))
  expect_equal(s$sds, t(sqrt(apply(fit$covariances, 3, diag))), ignore_attr = TRUE)
  expect_equal(s$correlations[["2"]], cov2cor(fit$covariances[, , 2]))
  expect_output(
    res <- withVisible(print(s)),
    "Call: gmm_fit.*AIC [0-9.]+.*Components.*size.*Standard deviations.*Correlations"
  )
  expect_false(res$visible)
})

test_that("summary() of a search shows the best candidates and the failures", {
  x <- cbind(c(rep(1, 5), seq(2, 10, length.out = 20)), c(rep(1, 5), sin(1:20)))
  fit <- gmm_fit(x, k = 2, covariance = c("full", "tied"), init = rep(1:2, c(5, 20)),
                 n_init = 1, control = gmm_control(reg = 0))
  expect_output(print(summary(fit)),
                "Model search: 2 candidates, 1 failed, 0 degenerate \\(not eligible\\); by BIC")
  # The failure is summarised below the table, with the candidate it hit.
  expect_output(print(fit$search), "failed \\(k = 2 full\\): the covariance of component")
})

test_that("summary() of a search counts the degenerate candidates and ranks by the criterion", {
  set.seed(1)
  fit <- gmm_fit(iris[, 3:4], k = 1:9, covariance = c("full", "diag"), criterion = "icl")
  n_flat <- sum(fit$search$degenerate)
  expect_gt(n_flat, 0L)
  out <- capture.output(print(summary(fit)))
  expect_true(any(grepl(sprintf("0 failed, %d degenerate \\(not eligible\\); by ICL", n_flat),
                        out)))
  # The first row shown is the chosen model, 0 from the best.
  first <- out[grep("; by ICL", out) + 2L]
  expect_match(first, sprintf("^ *%d +full .* 0(\\.0+)?$", length(fit$weights)))
})

test_that("the search table prints the best few with their distance to the best, or wide", {
  set.seed(1)
  fit <- gmm_fit(faithful, k = 1:4, covariance = c("full", "tied", "diag"))
  s <- fit$search
  expect_s3_class(s, c("gmm_search", "data.frame"))
  out <- capture.output(print(s, n = 3))
  shown <- utils::read.table(text = out[2:5], header = TRUE)
  ok <- s[!s$degenerate & is.na(s$error), ]
  ok <- ok[order(ok$bic), ]
  expect_equal(shown$bic, round(ok$bic[1:3], 2))
  expect_equal(shown$delta_bic, round(ok$bic[1:3] - ok$bic[1], 2))
  expect_match(out[6], sprintf("and %d more eligible", nrow(ok) - 3L))
  wide <- capture.output(print(s, wide = TRUE))
  expect_match(paste(wide, collapse = "\n"), "full +tied +diag")
  # The chosen cell is starred: the fit's k in its structure's column.
  row <- grep(sprintf("^ *%d ", length(fit$weights)), wide, value = TRUE)
  expect_match(row, "\\*")
  # A subset is still a data frame of the search; a data frame without the
  # columns prints as one.
  expect_output(print(s[s$k == 2, ]), "Model search: 3 candidates")
  expect_output(print(s[, c("k", "bic")]), "k +bic")
  expect_error(print(s, n = 0), "`n`", class = "gmm_input_error")
})

test_that("summary() works for a one-variable fit", {
  set.seed(94)
  fit <- gmm_fit(faithful$eruptions, k = 2, n_init = 1)
  s <- summary(fit)
  expect_s3_class(s, "summary.gmmfit")
  expect_output(print(s), "Standard deviations")
})

test_that("summary() works for a mixture that was not fitted", {
  mix <- gmm_mixture(c(0.5, 0.5), rbind(c(0, 0), c(3, 3)), list(diag(2), diag(2)))
  expect_output(print(summary(mix)), "not fitted.*Components:")
})

test_that("summary() of a search over several models gives one line per model, its best k", {
  set.seed(1)
  fit <- gmm_fit(faithful, k = 1:4, covariance = c("full", "tied", "EII", "VEE"))
  out <- capture.output(summary(fit))
  start <- grep("^Best k of each model, by BIC:", out)
  expect_length(start, 1L)
  rows <- out[start + 1L + seq_len(4L)]
  by_model <- gmmfit:::search_by_model(fit$search, "bic")
  s <- fit$search[is.na(fit$search$error) & !fit$search$degenerate, ]
  best <- vapply(split(s$bic, s$covariance), min, numeric(1))
  expect_equal(by_model$bic, unname(sort(best)))
  expect_equal(by_model$covariance, names(sort(best)))
  expect_equal(by_model$k, vapply(by_model$covariance, function(m) {
    s$k[s$covariance == m][which.min(s$bic[s$covariance == m])]
  }, numeric(1)), ignore_attr = TRUE)
  expect_equal(by_model$delta_bic[1], 0)
  # the printed lines are those rows, best first
  expect_match(rows[1], paste0("^ *", by_model$covariance[1], " "))
  expect_match(rows[4], paste0("^ *", by_model$covariance[4], " "))
  # a search of one model has no such section
  expect_false(any(grepl("Best k of each model", capture.output(summary(gmm_fit(faithful, k = 1:3))))))
})
