# Fits on data in chunks (R/chunked.R): EM as merged sums over the chunks
# against the in-memory EM from the same start, and gmm_fit() on chunks
# (lists, files, functions) against gmm_fit() on the rows bound together.

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

# A search on chunks and on the rows bound together, from the same seed:
# the subsample the starts use is the same, so the fits are.
expect_chunked_fit <- function(x, source, ..., seed = 1) {
  set.seed(seed)
  memory <- gmm_fit(x, ...)
  set.seed(seed)
  chunked <- gmm_fit(source, ...)
  expect_equal(chunked$loglik, memory$loglik, tolerance = 1e-10)
  expect_equal(unname(chunked$means), unname(memory$means), tolerance = 1e-8)
  cols <- c("k", "covariance", "df", "converged", "n_iter", "degenerate", "error")
  if (!is.null(memory$search)) {
    expect_equal(as.data.frame(chunked$search)[cols], as.data.frame(memory$search)[cols])
    expect_equal(chunked$search$bic, memory$search$bic, tolerance = 1e-10)
  }
  expect_identical(unlist(predict(chunked, source), use.names = FALSE),
                   unname(predict(memory, x)))
  invisible(chunked)
}

test_that("a search on chunks is the search on the rows bound together", {
  x <- as.matrix(quakes[, 1:4])
  parts <- contiguous_chunks(x, 3)
  ctrl <- serial_control(init_sample = 300)
  fit <- expect_chunked_fit(x, parts, k = 1:4, covariance = c("full", "tied", "diag", "spherical"),
                            control = ctrl)
  expect_null(fit$data)
  expect_null(fit$posterior)
  expect_null(fit$classification)
  expect_identical(fit$source$kind, "list")
  expect_identical(unname(fit$source$rows), c(333, 333, 334))
  expect_output(print(fit), "1,000 observations in 3 chunks")
  # every start method, and one model alone
  for (init in c("hc", "kmeans++", "random", "random_from_data")) {
    expect_chunked_fit(x, parts, k = 3, covariance = "VEV", init = init, n_init = 2,
                       control = ctrl, seed = 7)
  }
})

test_that("files with a reader, and a function of the chunk's number, are chunks too", {
  x <- as.matrix(faithful)
  parts <- contiguous_chunks(x, 4)
  files <- chunk_files(parts)
  ctrl <- serial_control(init_sample = 100)
  on_disk <- expect_chunked_fit(x, gmm_chunks(files), k = 1:3, control = ctrl, seed = 2)
  expect_identical(on_disk$source$files, files)
  csv <- sub("rds$", "csv", files)
  for (i in seq_along(parts)) utils::write.csv(parts[[i]], csv[[i]], row.names = FALSE)
  expect_chunked_fit(x, gmm_chunks(csv), k = 1:3, control = ctrl, seed = 2)
  expect_chunked_fit(x, gmm_chunks(files, reader = function(f) as.data.frame(readRDS(f))),
                     k = 2, control = ctrl, seed = 2)
  expect_chunked_fit(x, gmm_chunks(function(i) parts[[i]], n_chunks = 4), k = 1:3,
                     control = ctrl, seed = 2)
  expect_output(print(gmm_chunks(files)), "Data in 4 chunks in files")
})

test_that("data that fit in the starts' subsample are fitted in memory, without keeping them", {
  x <- as.matrix(faithful)
  fit <- expect_chunked_fit(x, contiguous_chunks(x, 2), k = 1:4,
                            covariance = c("full", "tied"), control = serial_control())
  expect_null(fit$data)
  expect_null(fit$posterior)
  expect_identical(fit$source$n_chunks, 2L)
})

test_that("chunks carry missing values and case weights", {
  set.seed(8)
  x <- with_holes(as.matrix(swiss), 0.1)
  w <- rep(c(1, 2, 0.5), length.out = nrow(x))
  start <- as_start(gmm_fit(x, k = 2, na = "em", control = serial_control(max_iter = 3L, tol = 0)))
  memory <- gmm_fit(x, k = 2, init = start, na = "em", case_weights = w,
                    control = serial_control())
  parts <- contiguous_chunks(cbind(x, w = w), 3)
  chunked <- gmm_fit(parts, k = 2, init = start, na = "em", case_weights = "w",
                     control = serial_control())
  expect_equal(chunked$loglik, memory$loglik, tolerance = 1e-10)
  expect_equal(chunked$n, sum(w))
  expect_equal(chunked$n_missing, sum(is.na(x)))
  expect_output(print(chunked), "rows with case weights summing to")
  # starts on a subsample drawn by the user's row numbers, with or without
  # chunks, and weights
  holes <- with_holes(as.matrix(faithful), 0.1)
  expect_chunked_fit(holes, contiguous_chunks(holes, 3), k = 1:3, na = "em",
                     control = serial_control(init_sample = 100), seed = 5)
  # (With these holes, short runs whose convergence test counted the
  # subsample's weight instead of the data's would stop elsewhere.)
  set.seed(6)
  holes <- with_holes(as.matrix(faithful), 0.1)
  fw <- rep(c(0.5, 1, 3), length.out = nrow(holes))
  set.seed(6)
  memory <- gmm_fit(holes, k = 1:3, covariance = c("full", "diag"), na = "em", case_weights = fw,
                    control = serial_control(init_sample = 100))
  set.seed(6)
  chunked <- gmm_fit(contiguous_chunks(cbind(holes, w = fw), 4), k = 1:3,
                     covariance = c("full", "diag"), na = "em", case_weights = "w",
                     control = serial_control(init_sample = 100))
  expect_equal(chunked$search$loglik, memory$search$loglik, tolerance = 1e-12)
  expect_identical(chunked$search$n_iter, memory$search$n_iter)
  # the default: missing values are an error naming the chunk, row and column
  expect_error(gmm_fit(parts, k = 2, case_weights = "w"),
               class = "gmm_chunk_error")
  bad <- tryCatch(gmm_fit(parts, k = 2, case_weights = "w"), error = identity)
  first <- which(is.na(parts[[1]]), arr.ind = TRUE)[1, ]
  expect_match(conditionMessage(bad), sprintf("chunk 1 has missing values \\(the first in row %d",
                                              first[[1]]))
  # "omit" drops the rows with missing values, chunk by chunk
  holes <- with_holes(faithful, 0.1)
  keep <- stats::complete.cases(holes)
  set.seed(3)
  omitted <- gmm_fit(holes[keep, ], k = 2, control = serial_control(init_sample = 100))
  set.seed(3)
  by_chunk <- gmm_fit(contiguous_chunks(holes, 3), k = 2, na = "omit",
                      control = serial_control(init_sample = 100))
  expect_equal(by_chunk$n, sum(keep))
  expect_equal(by_chunk$loglik, omitted$loglik, tolerance = 1e-10)
})

test_that("the loglik and predictions of chunks are those of the rows", {
  x <- as.matrix(faithful)
  parts <- contiguous_chunks(x, 3)
  fit <- gmm_fit(x, k = 2, control = serial_control())
  ll <- logLik(fit, newdata = parts)
  expect_equal(as.numeric(ll), fit$loglik, tolerance = 1e-12)
  expect_identical(attr(ll, "nobs"), 272L)
  p <- predict(fit, gmm_chunks(parts), type = "prob")
  expect_length(p, 3)
  expect_equal(do.call(rbind, p), predict(fit, x, type = "prob"), ignore_attr = TRUE)
  seen <- list()
  n <- predict(fit, parts, type = "class", write = function(value, i) seen[[i]] <<- value)
  expect_identical(n, 3L)
  expect_identical(unlist(seen, use.names = FALSE), unname(predict(fit, x)))
  expect_error(predict(fit, parts, write = 1), "`write` must be NULL or a function")
  wrong <- parts
  wrong[[2]] <- wrong[[2]][, 1, drop = FALSE]
  expect_error(predict(fit, wrong), "chunk 2: `newdata` lacks the column 'waiting'")
})

test_that("a fit on chunks works with the methods that need no data", {
  x <- as.matrix(faithful)
  fit <- gmm_fit(contiguous_chunks(x, 2), k = 2, control = serial_control(init_sample = 100))
  expect_equal(BIC(fit), fit$bic)
  expect_equal(nobs(fit), 272)
  expect_s3_class(summary(fit), "summary.gmmfit")
  expect_output(print(summary(fit)), "272 observations in 2 chunks")
  expect_equal(dim(simulate(fit, 10, seed = 1)), c(10L, 3L))
  expect_error(fitted(fit), "fitted on data in chunks, which it does not keep")
  expect_error(predict(fit), "fitted on data in chunks")
  expect_error(plot(fit), "fitted on data in chunks")
  expect_equal(as.numeric(logLik(fit)), fit$loglik)
})

test_that("chunks that differ, or cannot be read, are errors naming the chunk", {
  x <- as.matrix(faithful)
  parts <- contiguous_chunks(x, 3)
  renamed <- parts
  colnames(renamed[[3]]) <- c("a", "b")
  err <- tryCatch(gmm_fit(renamed, k = 2), error = identity)
  expect_s3_class(err, "gmm_chunk_error")
  expect_identical(err$chunk, 3L)
  expect_match(conditionMessage(err), "chunk 3 has columns 'a', 'b'; chunk 1 has 'eruptions', 'waiting'")
  narrow <- parts
  narrow[[2]] <- narrow[[2]][, 1, drop = FALSE]
  expect_error(gmm_fit(narrow, k = 2), "chunk 2 has 1 column; chunk 1 has 2")
  failing <- gmm_chunks(function(i) if (i == 2) stop("no such table") else parts[[i]], n_chunks = 3)
  err <- tryCatch(gmm_fit(failing, k = 2), error = identity)
  expect_s3_class(err, "gmm_chunk_error")
  expect_identical(err$chunk, 2L)
  expect_match(conditionMessage(err), "Reading chunk 2 failed: no such table")
  missing_file <- gmm_chunks(c(chunk_files(parts[1]), file.path(tempdir(), "nowhere.rds")))
  expect_error(gmm_fit(missing_file, k = 2), "Reading chunk 2 \\(.*nowhere.rds\\) failed")
  infinite <- parts
  infinite[[3]][5, 2] <- Inf
  expect_error(gmm_fit(infinite, k = 2), "chunk 3")
  constant <- lapply(parts, function(p) cbind(p, c = 1))
  expect_error(gmm_fit(constant, k = 2), "column 'c' with a single value")
  expect_error(gmm_fit(list(x[1, , drop = FALSE]), k = 1), "a mixture needs at least 2 rows")
})

test_that("arguments that do not apply to chunks are errors that say so", {
  parts <- contiguous_chunks(faithful, 2)
  expect_error(gmm_fit(parts, prior = TRUE), "`prior` is not available for data in chunks")
  expect_error(gmm_fit(parts, init = rep(1:2, 136)), "`init` must be one or more of")
  expect_error(gmm_fit(parts, case_weights = rep(1, 272)),
               "`case_weights` must be the name of the chunks' column")
  expect_error(gmm_fit(parts, case_weights = "w"), "names the column 'w', which chunk 1 does not have")
  expect_error(gmm_fit(parts, na.action = na.omit), "`data` and `na.action` are not used")
  expect_error(gmm_fit(faithful, cluster = 1), "`cluster` needs data in chunks")
  expect_error(gmm_fit(parts, cluster = 1), "`cluster` must be a cluster from parallel")
  expect_error(gmm_fit(parts, k = 300), "`k` must be")
  expect_error(gmm_chunks(1:3), "`x` must be a list of matrices or data frames")
  expect_error(gmm_chunks(function(i) i), "`n_chunks` is needed")
  expect_error(gmm_chunks(list()), "empty list")
  expect_error(gmm_chunks(c("a.txt", "b.txt")), "`reader` is needed: files ending in .rds or .csv")
  expect_error(gmm_chunks(c("a.rds", NA)), "without NA")
  expect_error(gmm_chunks(parts, reader = readRDS), "`reader` is used only with files")
  expect_error(gmm_chunks(parts, n_chunks = 2), "`n_chunks` is used only with a function")
})
