# Starting points. All randomness lives here and comes from R's RNG, so
# set.seed() reproduces every fit. Every strategy returns full parameters
# (weights, means, covariances) or, from the engine, a failure.

init_methods <- c("kmeans++", "random", "random_from_data")

# `init` as the user gave it, turned into a description the fitters use:
# list(type = "kmeans++" | "random" | "random_from_data" | "partition" | "params", ...)
check_init <- function(init, x, ks) {
  if (is.character(init) && length(init) == 1L && !is.na(init) && is.null(dim(init))) {
    if (!init %in% init_methods) {
      gmm_abort(sprintf(
        "`init` must be one of \"kmeans++\", \"random\", \"random_from_data\", a vector of starting labels or a list of parameters, not \"%s\".",
        init
      ))
    }
    return(list(type = init))
  }
  if (is.list(init) && !is.data.frame(init)) return(check_init_params(init, x, ks))
  if ((is.atomic(init) || is.factor(init)) && is.null(dim(init))) {
    return(check_init_partition(init, x, ks))
  }
  gmm_abort(sprintf(
    "`init` must be a method name, a vector of starting labels or a list of parameters, not %s.",
    describe(init)
  ))
}

check_init_partition <- function(labels, x, ks) {
  if (length(labels) != nrow(x) || anyNA(labels)) {
    gmm_abort(sprintf(
      "`init` as a partition must give a label for each of the %d rows of `x`, without NA (it has length %d%s).",
      nrow(x), length(labels), if (anyNA(labels)) " and contains NA" else ""
    ))
  }
  groups <- as.integer(factor(labels))
  k <- max(groups)
  if (length(ks) != 1L || ks != k) {
    gmm_abort(sprintf(
      "`init` as a partition has %d groups, so `k` must be %d (it is %s).",
      k, k, describe_value(ks)
    ))
  }
  list(type = "partition", labels = groups)
}

check_init_params <- function(p, x, ks) {
  need <- c("weights", "means", "covariances")
  if (!all(need %in% names(p))) {
    gmm_abort(sprintf("`init` as parameters must be a list with elements %s; %s missing.",
                      quote_names(need), quote_names(setdiff(need, names(p)))))
  }
  d <- ncol(x)
  k <- length(p$weights)
  if (length(ks) != 1L || ks != k) {
    gmm_abort(sprintf("`init$weights` has %d components, so `k` must be %d (it is %s).",
                      k, k, describe_value(ks)))
  }
  params <- tryCatch(
    as_params(p$weights, p$means, p$covariances, d = d, prefix = "init$"),
    gmm_input_error = function(e) gmm_abort(conditionMessage(e))
  )
  list(type = "params", params = params)
}

# One starting point for a fit with k components of structure `covariance`.
make_start <- function(init, x, k, covariance, control) {
  switch(init$type,
    "params" = project_params(init$params, covariance),
    "random_from_data" = start_from_rows(x, k, covariance),
    "kmeans++" = start_from_resp(x, one_hot(kmeanspp_labels(x, k), k), covariance, control),
    "random" = start_from_resp(x, random_resp(nrow(x), k), covariance, control),
    "partition" = start_from_resp(x, one_hot(init$labels, k), covariance, control)
  )
}

start_from_resp <- function(x, resp, covariance, control) {
  cpp_mstep(x, resp, covariance_code(covariance), control$reg, control$n_threads,
            simd_code(control))
}

one_hot <- function(labels, k) {
  z <- matrix(0, length(labels), k)
  z[cbind(seq_along(labels), labels)] <- 1
  z
}

random_resp <- function(n, k) {
  z <- matrix(stats::runif(n * k), n, k)
  z / rowSums(z)
}

# k distinct rows as means; the covariance of the whole data (in the chosen
# structure) for every component; equal weights.
start_from_rows <- function(x, k, covariance) {
  n <- nrow(x)
  d <- ncol(x)
  means <- x[sample.int(n, k), , drop = FALSE]
  s <- if (n > 1L) stats::cov(x) else diag(1, d)
  s <- switch(covariance,
    full = , tied = s,
    diag = diag(diag(s), d),
    spherical = diag(mean(diag(s)), d)
  )
  diag(s) <- pmax(diag(s), .Machine$double.eps)
  list(weights = rep(1 / k, k), means = unname(means),
       covariances = array(s, c(d, d, k)))
}

# k-means++ seeding followed by a few Lloyd iterations; returns labels.
kmeanspp_labels <- function(x, k, lloyd_iter = 10L) {
  n <- nrow(x)
  centers <- x[sample.int(n, 1L), , drop = FALSE]
  d2 <- sq_dist(x, centers)[, 1L]
  for (j in seq_len(k - 1L)) {
    i <- if (sum(d2) > 0) sample.int(n, 1L, prob = d2) else sample.int(n, 1L)
    centers <- rbind(centers, x[i, , drop = FALSE])
    d2 <- pmin(d2, sq_dist(x, x[i, , drop = FALSE])[, 1L])
  }
  labels <- max.col(-sq_dist(x, centers), ties.method = "first")
  for (it in seq_len(lloyd_iter)) {
    if (length(unique(labels)) < k) break
    centers <- rowsum(x, labels, reorder = TRUE) / tabulate(labels, k)
    new <- max.col(-sq_dist(x, centers), ties.method = "first")
    if (length(unique(new)) < k || identical(new, labels)) break
    labels <- new
  }
  labels
}

sq_dist <- function(x, centers) {
  d <- outer(rowSums(x^2), rowSums(centers^2), "+") - 2 * x %*% t(centers)
  pmax(d, 0)
}
