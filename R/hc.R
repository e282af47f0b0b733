# Model-based agglomerative hierarchical clustering as a starting strategy:
# mclust's default (hc() with modelName = "VVV" on the "SVD"-transformed data,
# as Mclust() calls it), cut at each number of components. The merging runs
# in C++ (gmmcore/hc.h); the transformation, the subsample and its random
# draw are here.

# Labels from the hierarchy at every k of `ks`: list(rows, labels) where
# `labels` is an integer matrix with one row per entry of `rows` (the rows of
# `x` used) and one column per k, labels 1..k numbered by first appearance.
# With more than `max_n` rows, `max_n` of them are drawn with R's RNG (as
# mclust's Mclust() does) and only those are clustered. Like mclust's hc(),
# every row starts alone, repeated rows included; `merge_duplicates = TRUE`
# starts from groups of identical rows instead (mclust's
# hc(partition = dupPartition(x))).
hc_partitions <- function(x, ks, max_n = 2000L, merge_duplicates = FALSE) {
  x <- check_data(x, min_rows = 2L)
  max_n <- check_count(max_n, "max_n", min = 2L)
  merge_duplicates <- check_flag(merge_duplicates, "merge_duplicates")
  n <- nrow(x)
  rows <- if (n > max_n) sort(sample.int(n, max_n)) else seq_len(n)
  x <- x[rows, , drop = FALSE]
  groups <- if (merge_duplicates) duplicate_groups(x) else seq_len(nrow(x))
  ks <- check_hc_k(ks, max(groups))
  partition <- if (merge_duplicates) groups else integer(0)
  list(rows = rows, labels = hc_labels(x, ks, partition))
}

# The labels alone, for arguments already checked (a fit's starts): one
# column per k, named by k. `z` is the transformed data, when already at hand.
hc_labels <- function(x, ks, partition = integer(0), z = hc_transform(x)) {
  labels <- cpp_hc(z, ks, partition)
  colnames(labels) <- ks
  labels
}

# mclust's "SVD" transformation: standardise each column (centre, divide by
# its standard deviation), then with the singular value decomposition of the
# standardised data X = U D V', take Z = X V D^(-1/2). Then Z'Z = D: the
# directions are uncorrelated, with their spread shrunk towards equal but not
# equalised. The result does not change when a column is shifted or rescaled.
# Constant columns are dropped, as mclust does; directions with a zero
# singular value (linearly dependent columns) are dropped too, where mclust
# would divide by zero.
hc_transform <- function(x) {
  s <- column_scaling(x)
  x <- (x - rep(s$centre, each = nrow(x))) / rep(sqrt(s$var), each = nrow(x))
  if (!all(s$var > 0)) x <- x[, s$var > 0, drop = FALSE]
  if (ncol(x) == 0L) {
    gmm_abort("`x` has no column with more than one value, so there is nothing to cluster.")
  }
  # (La.svd() and a column scaling instead of svd() and a product with a
  # diagonal matrix: the same numbers, for less of a small search's time.)
  s <- La.svd(x, nu = 0L)
  keep <- s$d > s$d[1L] * 1e-10
  z <- x %*% t(s$vt[keep, , drop = FALSE])
  z * rep(1 / sqrt(s$d[keep]), each = nrow(z))
}

# Groups of identical rows (compared exactly), numbered 1..g by first
# appearance.
duplicate_groups <- function(x) {
  ord <- do.call(order, unname(as.data.frame(x)))
  sorted <- x[ord, , drop = FALSE]
  differs <- sorted[-1L, , drop = FALSE] != sorted[-nrow(sorted), , drop = FALSE]
  group <- integer(nrow(x))
  group[ord] <- cumsum(c(TRUE, rowSums(differs) > 0))
  match(group, unique(group))
}

check_hc_k <- function(ks, g) {
  if (!is.numeric(ks) || length(ks) == 0L || !is_whole(ks) || any(ks < 1) || any(ks > g)) {
    gmm_abort(sprintf(
      "`ks` must be whole numbers between 1 and the number of distinct starting groups (%d), not %s.",
      g, describe_value(ks)
    ))
  }
  sort(unique(as.integer(round(ks))))
}
