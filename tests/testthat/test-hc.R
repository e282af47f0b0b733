# Model-based hierarchical clustering against mclust, the reference it
# reproduces: hc() with the model and transformation Mclust() uses
# (mclust.options("hcModelName") = "VVV", mclust.options("hcUse") = "SVD").

mclust_hc_labels <- function(x, ks, ...) {
  opts <- call_mclust("mclust.options")
  tree <- call_mclust("hc", data = x, modelName = opts$hcModelName, use = opts$hcUse, ...)
  call_mclust("hclass", hcPairs = tree, G = ks)
}

same_partition <- function(a, b) {
  tab <- table(a, b)
  nrow(tab) == ncol(tab) && all(rowSums(tab > 0) == 1) && all(colSums(tab > 0) == 1)
}

expect_same_partitions <- function(mine, ref, what) {
  for (i in seq_len(ncol(ref))) {
    expect_true(same_partition(mine[, i], ref[, i]),
                info = sprintf("%s, k = %s", what, colnames(ref)[i]))
  }
}

test_that("hc partitions equal mclust's at k = 2..6", {
  skip_if_not_installed("mclust")
  data <- list(iris4 = iris[, 1:4], iris2 = iris[, 3:4], faithful = faithful)
  for (name in names(data)) {
    x <- data[[name]]
    mine <- hc_partitions(x, 2:6)
    expect_identical(mine$rows, seq_len(nrow(x)))
    expect_same_partitions(mine$labels, mclust_hc_labels(x, 2:6), name)
  }
})

test_that("hc from groups of identical rows equals mclust's hc(partition = dupPartition())", {
  skip_if_not_installed("mclust")
  for (x in list(iris[, 3:4], faithful)) {
    start <- call_mclust("dupPartition", data = x)
    mine <- hc_partitions(x, 2:6, merge_duplicates = TRUE)
    expect_same_partitions(mine$labels, mclust_hc_labels(x, 2:6, partition = start), "duplicates")
  }
})

test_that("hc labels are 1..k with one column per k", {
  out <- hc_partitions(iris[, 1:4], c(3, 1, 5))
  expect_identical(colnames(out$labels), c("1", "3", "5"))
  expect_identical(dim(out$labels), c(150L, 3L))
  expect_identical(apply(out$labels, 2, function(l) length(unique(l))), c(`1` = 1L, `3` = 3L, `5` = 5L))
  expect_identical(out$labels[, "1"], rep(1L, 150))
})

test_that("hc does not depend on the location and scale of a column", {
  x <- as.matrix(iris[, 1:4])
  moved <- x
  moved[, 2] <- moved[, 2] * 1000 + 1e6
  a <- hc_partitions(x, 2:6)$labels
  b <- hc_partitions(moved, 2:6)$labels
  for (i in 1:5) expect_true(same_partition(a[, i], b[, i]), info = i + 1)
})

test_that("hc on more than max_n rows clusters a reproducible subsample", {
  x <- as.matrix(faithful)
  set.seed(11)
  a <- hc_partitions(x, 2:4, max_n = 100)
  set.seed(11)
  b <- hc_partitions(x, 2:4, max_n = 100)
  expect_identical(a, b)
  set.seed(11)
  expect_identical(a$rows, sort(sample.int(nrow(x), 100)))
  expect_identical(dim(a$labels), c(100L, 3L))
  for (k in 2:4) expect_setequal(a$labels[, as.character(k)], seq_len(k))
  expect_identical(a$labels, hc_partitions(x[a$rows, ], 2:4)$labels)
})

test_that("hc rejects bad arguments with classed errors", {
  expect_error(hc_partitions(iris[, 1:4], 0), "`ks` must be", class = "gmm_input_error")
  expect_error(hc_partitions(iris[, 1:4], 151), "`ks` must be", class = "gmm_input_error")
  expect_error(hc_partitions(iris[, 1:4], 2, max_n = 1), "`max_n`", class = "gmm_input_error")
  expect_error(hc_partitions(cbind(a = rep(1, 5), b = 2), 2), "no column", class = "gmm_input_error")
})
