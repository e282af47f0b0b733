# Chunks on the workers of a local PSOCK cluster (R/cluster.R): the fit of
# the chunks in this session, whatever the number of workers, and the
# faults: a chunk that cannot be read, a worker that dies.

test_that("a fit on a 2-worker cluster is the fit in memory and in this session", {
  cl <- test_cluster(2)
  x <- as.matrix(quakes[, 1:4])
  parts <- contiguous_chunks(x, 5)
  ctrl <- serial_control(init_sample = 300)
  args <- list(k = 1:3, covariance = c("full", "tied"), control = ctrl)
  set.seed(4)
  memory <- do.call(gmm_fit, c(list(x), args))
  set.seed(4)
  here <- do.call(gmm_fit, c(list(parts), args))
  set.seed(4)
  two <- do.call(gmm_fit, c(list(parts, cluster = cl), args))
  set.seed(4)
  one <- do.call(gmm_fit, c(list(parts, cluster = cl[1]), args))
  expect_equal(two$loglik, memory$loglik, tolerance = 1e-10)
  expect_identical(unlist(predict(two, parts), use.names = FALSE), unname(predict(memory, x)))
  # how many workers, and which chunks each holds, change nothing
  expect_identical(fit_core(two), fit_core(here))
  expect_identical(fit_core(one), fit_core(here))
  expect_match(two$source$where, "on 2 workers of a cluster")
  # the workers keep nothing once the fit is done
  left <- parallel::clusterCall(cl, function() ls(gmmfit:::worker_store))
  expect_identical(lengths(left), c(0L, 0L))
})

test_that("files are read by the workers, missing values and weights with them", {
  cl <- test_cluster(2)
  set.seed(9)
  x <- with_holes(as.matrix(faithful), 0.05)
  w <- rep(c(2, 1), length.out = nrow(x))
  files <- chunk_files(contiguous_chunks(cbind(x, w = w), 3))
  start <- as_start(gmm_fit(x, k = 2, na = "em", control = serial_control(max_iter = 3L, tol = 0)))
  memory <- gmm_fit(x, k = 2, init = start, na = "em", case_weights = w, control = serial_control())
  on_cluster <- gmm_fit(gmm_chunks(files), k = 2, init = start, na = "em", case_weights = "w",
                        control = serial_control(), cluster = cl)
  expect_equal(on_cluster$loglik, memory$loglik, tolerance = 1e-10)
  expect_equal(on_cluster$n_missing, sum(is.na(x)))
})

test_that("a chunk that fails on a worker is named, and the cluster stays usable", {
  cl <- test_cluster(2)
  parts <- contiguous_chunks(faithful, 4)
  files <- chunk_files(parts)
  reader <- function(f) if (grepl("part03", f)) stop("checksum mismatch") else readRDS(f)
  err <- tryCatch(gmm_fit(gmm_chunks(files, reader = reader), k = 2, cluster = cl),
                  error = identity)
  expect_s3_class(err, "gmm_chunk_error")
  expect_identical(err$chunk, 3L)
  expect_match(conditionMessage(err), "Reading chunk 3 \\(.*part03.rds\\) failed: checksum mismatch")
  renamed <- parts
  colnames(renamed[[4]]) <- c("a", "b")
  expect_error(gmm_fit(renamed, k = 2, cluster = cl), "chunk 4 has columns 'a', 'b'")
  expect_identical(unlist(parallel::clusterCall(cl, function() 1)), c(1, 1))
  left <- parallel::clusterCall(cl, function() ls(gmmfit:::worker_store))
  expect_identical(lengths(left), c(0L, 0L))
  set.seed(1)
  fit <- gmm_fit(parts, k = 2, cluster = cl, control = serial_control(init_sample = 100))
  expect_s3_class(fit, "gmmfit")
})

test_that("a worker that dies stops the fit with an error naming it and its chunks", {
  cl <- test_cluster(2)
  parts <- contiguous_chunks(faithful, 4)
  dying <- gmm_chunks(function(i) {
    if (i == 3L) tools::pskill(Sys.getpid())
    parts[[i]]
  }, n_chunks = 4)
  err <- tryCatch(gmm_fit(dying, k = 2, cluster = cl), error = identity)
  expect_s3_class(err, "gmm_worker_error")
  expect_identical(err$worker, 2L)
  expect_identical(err$chunks, 3:4)
  expect_match(conditionMessage(err), "Worker 2 of the cluster, holding chunks 3, 4, stopped responding")
  # the other worker is in step and usable
  expect_identical(parallel::clusterCall(cl[1], function() "alive")[[1]], "alive")
  set.seed(1)
  fit <- gmm_fit(parts[1:2], k = 2, cluster = cl[1], control = serial_control(init_sample = 50))
  expect_s3_class(fit, "gmmfit")
})
