# Starting points. All randomness lives here and comes from R's RNG, so
# set.seed() reproduces every fit. Starts are drawn once per number of
# components and shared by every covariance structure; the engine turns each
# into parameters (an M-step from a partition), runs every start a few
# iterations and carries the best, and those close behind it, to
# convergence (R/gmm_fit.R).

init_methods <- c("hc", "kmeans++", "random", "random_from_data")

# `init` as the user gave it, turned into a description the fitters use:
# list(type = "methods", methods = ...), list(type = "partition", labels, k)
# or list(type = "params", params, k).
check_init <- function(init, x) {
  if (is.character(init) && length(init) >= 1L && !anyNA(init) && is.null(dim(init)) &&
      (length(init) != nrow(x) || all(init %in% init_methods))) {
    unknown <- setdiff(init, init_methods)
    if (length(unknown) || anyDuplicated(init)) {
      gmm_abort(sprintf(
        "`init` must be one or more of \"hc\", \"kmeans++\", \"random\", \"random_from_data\" (without repeats), a vector of starting labels or a list of parameters, not %s.",
        describe_value(init)
      ))
    }
    return(list(type = "methods", methods = init))
  }
  if (is.list(init) && !is.data.frame(init)) return(check_init_params(init, x))
  if ((is.atomic(init) || is.factor(init)) && is.null(dim(init))) {
    return(check_init_partition(init, x))
  }
  gmm_abort(sprintf(
    "`init` must be a method name, a vector of starting labels or a list of parameters, not %s.",
    describe(init)
  ))
}

check_init_partition <- function(labels, x) {
  if (length(labels) != nrow(x) || anyNA(labels)) {
    gmm_abort(sprintf(
      "`init` as a partition must give a label for each of the %d rows of `x`, without NA (it has length %d%s).",
      nrow(x), length(labels), if (anyNA(labels)) " and contains NA" else ""
    ))
  }
  groups <- as.integer(factor(labels))
  list(type = "partition", labels = groups, k = max(groups))
}

check_init_params <- function(p, x) {
  need <- c("weights", "means", "covariances")
  if (!all(need %in% names(p))) {
    gmm_abort(sprintf("`init` as parameters must be a list with elements %s; %s missing.",
                      quote_names(need), quote_names(setdiff(need, names(p)))))
  }
  params <- tryCatch(
    as_params(p$weights, p$means, p$covariances, d = ncol(x), prefix = "init$"),
    gmm_input_error = function(e) gmm_abort(conditionMessage(e))
  )
  list(type = "params", params = params, k = length(params$weights))
}

# A user start fixes k: `k` must be missing or equal to it.
check_k_for_init <- function(init, k, k_missing) {
  if (init$type == "methods") return(k)
  what <- if (init$type == "partition") "`init` as a partition has %d groups" else
    "`init$weights` has %d components"
  if (!k_missing && (length(k) != 1L || k != init$k)) {
    gmm_abort(sprintf(paste0(what, ", so `k` must be %d (it is %s)."),
                      init$k, init$k, describe_value(k)))
  }
  init$k
}

# The rows on which starts are drawn and short runs compete: all of them, or
# a random subsample of `init_sample` rows (sorted) for larger data, but
# never fewer than ten rows per component.
init_rows <- function(n, ks, init, control) {
  size <- max(control$init_sample, 10L * max(ks))
  if (init$type != "methods" || n <= size) return(NULL)
  sort(sample.int(n, size))
}

# Everything the starts need that does not depend on k: the rows they use
# (for data in chunks, given with those rows and their weights),
# the column centres and scales, the hierarchical tree cut at every k, and
# the decorrelated coordinates of the hierarchical start when k-means++
# starts use them.
start_plan <- function(x, ks, init, n_init, control, scaling, w = NULL,
                       rows = init_rows(nrow(x), ks, init, control),
                       x_init = if (is.null(rows)) x else x[rows, , drop = FALSE],
                       w_init = if (is.null(rows) || is.null(w)) w else w[rows]) {
  hc <- NULL
  z <- NULL
  used <- if (init$type == "methods") random_methods(init, n_init) else character(0)
  cut_at <- ks[ks > 1L]
  if (init$type == "methods" && length(cut_at)) {
    use_hc <- "hc" %in% init$methods
    if (use_hc || any(on_hc_coords(seq_len(sum(used == "kmeans++")))))
      z <- hc_transform(x_init)
    if (use_hc) hc <- weighted_hc_labels(x_init, cut_at, z, w_init)
  }
  list(init = init, n_init = n_init, x_init = x_init, rows = rows, hc = hc,
       scaling = scaling, z = z, random_methods = used, w_init = w_init)
}

# The start plan of a fit's data (fit_data()). With missing values the rows
# are in the engine's order; a subsample of them is drawn by the user's row
# numbers and kept in the user's order, as for data in chunks, so that the
# two give the same starts.
data_start_plan <- function(fd, ks, init, n_init, control, scaling) {
  rows <- init_rows(nrow(fd$xs), ks, init, control)
  if (is.null(fd$ord) || is.null(rows)) {
    return(start_plan(fd$xs, ks, init, n_init, control, scaling, fd$w, rows = rows))
  }
  at <- match(rows, fd$ord)
  start_plan(NULL, ks, init, n_init, control, scaling, rows = rows,
             x_init = fd$xs[at, , drop = FALSE], w_init = fd$w[at])
}

# The hierarchical start with case weights: rows of weight zero are left
# out of the tree (and given the first label, which counts for nothing in
# the M-step); the others are merged as they are, whatever their weights.
weighted_hc_labels <- function(x, ks, z, w) {
  if (is.null(w) || all(w > 0)) return(hc_labels(x, ks, z = z))
  keep <- w > 0
  ks <- ks[ks <= sum(keep)]
  labels <- matrix(1L, nrow(x), length(ks), dimnames = list(NULL, ks))
  labels[keep, ] <- hc_labels(x[keep, , drop = FALSE], ks, z = z[keep, , drop = FALSE])
  labels
}

# Which k-means++ starts of a k (the first, the second, ...) run on the
# decorrelated coordinates of the hierarchical start (hc_transform()) rather
# than on the standardised data: the third, fifth, seventh and so on. The
# two give different partitions, each finding optima the other misses (on
# the standardised data more often for diagonal and spherical structures),
# so that more starts also means more kinds of start.
on_hc_coords <- function(i) i >= 3L & i %% 2L == 1L

# The column weights of the k-means++ starts of a k after the first: each
# coordinate (standardised, or decorrelated) is multiplied by an independent
# exponential(1) draw. Equal weights make every
# start see the variables alike, and miss optima that separate on a few of
# them (tied fits of swiss and trees, which k-means on the raw scale finds
# by the accident of the units); random weights reach them without making
# the starts depend on the units. Measured in bench/NOTES.md, section 13.
start_weights <- function(d) rexp(d)
# The random methods of each k's starts, in order: the methods other than
# "hc" in turn, for the starts that "hc" leaves of `n_init`.
random_methods <- function(init, n_init) {
  others <- init$methods[init$methods != "hc"]
  if (!length(others)) return(character(0))
  rep_len(others, max(n_init - ("hc" %in% init$methods), 0L))
}

# The starts of every k in `ks`, in order: draw_starts() for each. The
# default starts (the hierarchical one and two k-means++ starts) are drawn
# here directly, with the same draws in the same order and fewer calls: on
# small data the calls cost more than the draws.
draw_all_starts <- function(plan, ks, fast = TRUE) {
  if (!fast || plan$init$type != "methods" || is.null(plan$hc) ||
      !identical(plan$random_methods, c("kmeans++", "kmeans++"))) {
    return(lapply(ks, function(k) draw_starts(plan, k)))
  }
  cols <- match(as.character(ks), colnames(plan$hc))
  if (anyNA(cols[ks > 1L])) return(lapply(ks, function(k) draw_starts(plan, k)))
  d <- ncol(plan$x_init)
  # (Attributes set with attr<-: structure() costs several times more.)
  one <- list(rep(1L, nrow(plan$x_init)))
  attr(one, "random") <- FALSE
  out <- vector("list", length(ks))
  for (j in seq_along(ks)) {
    k <- ks[[j]]
    if (k == 1L) {
      out[[j]] <- one
      next
    }
    # The first k-means++ start's seeds, then the second's column weights
    # and seeds (draw_labels()).
    u <- runif(k)
    w <- start_weights(d)
    s <- list(plan$hc[, cols[[j]]], u, c(runif(k), w))
    attr(s, "random") <- c(FALSE, FALSE, FALSE)
    out[[j]] <- s
  }
  out
}

# The starts for k components, for every structure alike: a list of label
# vectors (rows of plan$x_init) and k-means++ seeds (draw_labels()), or a
# list holding the user's parameters; attribute "random" marks the starts
# from random partitions.
draw_starts <- function(plan, k) {
  init <- plan$init
  if (init$type == "partition") return(structure(list(init$labels), random = FALSE))
  if (init$type == "params") return(structure(list(init$params), random = FALSE))
  # One component has one partition, whose M-step is the maximum.
  if (k == 1L) return(structure(list(rep(1L, nrow(plan$x_init))), random = FALSE))
  use_hc <- !is.null(plan$hc)
  used <- plan$random_methods
  n_random <- length(used)
  starts <- vector("list", use_hc + n_random)
  if (use_hc) starts[[1L]] <- plan$hc[, as.character(k)]
  n_km <- cumsum(used == "kmeans++")
  for (i in seq_len(n_random)) starts[[use_hc + i]] <- draw_labels(used[[i]], plan, k, n_km[[i]])
  # (The engine runs a partition drawn twice only once.)
  attr(starts, "random") <- c(rep(FALSE, use_hc), used == "random")
  starts
}

# One random start as labels of the rows of plan$x_init, or for k-means++
# on the standardised data the k uniforms that seed it followed by the
# column weights, if any (the engine computes its labels); `i` counts the
# k-means++ starts of this k so far, this one included.
draw_labels <- function(method, plan, k, i = 1L) {
  x <- plan$x_init
  n <- nrow(x)
  switch(method,
    "kmeans++" = if (on_hc_coords(i)) {
      z <- plan$z
      cpp_kmeanspp(z, numeric(ncol(z)), 1 / start_weights(ncol(z)), runif(k), 10L,
                   plan$w_init %||% numeric(0))
    } else if (i == 1L) {
      runif(k)
    } else {
      w <- start_weights(ncol(x))
      c(runif(k), w)
    },
    "random" = random_labels(n, k),
    "random_from_data" = nearest_rows(x, if (is.null(plan$w_init)) sample.int(n, k) else
      sample.int(n, k, prob = plan$w_init), plan$scaling)
  )
}

# A random partition with every group non-empty.
random_labels <- function(n, k) {
  labels <- sample.int(k, n, replace = TRUE)
  labels[sample.int(n, k)] <- seq_len(k)
  labels
}

# k distinct observations as centres, each row to the nearest (standardised
# distances): the partition those means give.
nearest_rows <- function(x, picked, scaling) {
  z <- sweep(sweep(x, 2L, scaling$centre), 2L, sqrt(scaling$var), "/")
  centres <- z[picked, , drop = FALSE]
  d2 <- vapply(seq_len(nrow(centres)), function(j) {
    colSums((t(z) - centres[j, ])^2)
  }, numeric(nrow(z)))
  max.col(-matrix(d2, nrow(z)), ties.method = "first")
}

# Column centres and variances (two-pass, no cancellation), which make the
# fit scale-free: starts are drawn on standardised data, `reg` is relative
# to each variance, and convergence is judged on the standardised scale.
column_scaling <- function(x, w = NULL, s = observed_moments(x, w)) {
  if (!all(is.finite(s$var))) {
    gmm_abort(sprintf(
      "`x` has values too large for their variance to be computed (column %s); divide it by a constant first: the fit does not depend on the units.",
      quote_names(colnames(x)[!is.finite(s$var)])))
  }
  # Variances below the smallest normal number lose their precision (and
  # their square roots, the scales, underflow soon after). (A column with a
  # single value has its own error, from the callers.)
  tiny <- s$var < .Machine$double.xmin & !cpp_constant_columns(x)
  if (any(tiny)) {
    gmm_abort(sprintf(
      "`x` has values too close together for their variance to be computed (column %s, variance %s); multiply it by a constant first: the fit does not depend on the units.",
      quote_names(colnames(x)[tiny]), format(s$var[tiny][1L], digits = 3)))
  }
  list(centre = s$centre, var = s$var)
}
