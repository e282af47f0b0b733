# Fits on data in chunks (R/chunks.R): EM as merged sums (R/stats.R), one
# pass over the chunks per iteration, held by a backend that reads each
# chunk when it is needed (here) or by the workers of a cluster, which keep
# theirs (R/cluster.R). A backend answers four requests: the chunks'
# summaries (rows, column moments), given rows of given chunks, the merged
# statistics of given parameters, and closing. Statistics are added up in
# chunk order whoever computed them, so the result does not depend on the
# backend, the workers or how the chunks are spread over them.

# The statistics of the rows of `x` (a numeric matrix, possibly with NA)
# under `params` (weights, means, covariances), about `shift` (k x d,
# component-major; NULL: the means): a list of `count`, `first`, `second`
# (as the engine lays them out), `loglik`, `entropy`, `bad`, `shift`.
chunk_stats <- function(x, params, covariance, shift = NULL, case_weights = NULL,
                        n_threads = 1L) {
  prepared_stats(engine_rows(x, case_weights),
                 list(params = params, code = covariance_code(covariance), shift = shift),
                 n_threads)
}

# The statistics of a prepared chunk (prepare_chunk()) for one request
# (params, engine code of the model, shift).
prepared_stats <- function(ch, req, n_threads = 1L) {
  s <- cpp_block_stats(ch$x, req$params, req$code, ch$w %||% numeric(0), ch$n_complete,
                       req$shift, n_threads)
  if (!is.null(s$error)) gmm_abort(s$error, class = "gmm_fit_error", component = s$component)
  s
}

# Statistics about the same shift added up, in the order given.
merge_stats <- function(stats) Reduce(add_stats, stats)

# A chunk's statistics for each request (a list, NULL for an empty chunk)
# added to those of the chunks before it.
add_chunk_stats <- function(acc, s) {
  if (is.null(acc)) return(s)
  if (is.null(s)) return(acc)
  Map(add_stats, acc, s)
}

# The relative `reg` of a model as the engine applies it: reg times each
# variable's variance, their mean for the spherical models.
model_reg <- function(covariance, reg, var) {
  if (model_rows(covariance)$spherical) rep(reg * mean(var), length(var)) else reg * var
}

# The backend that reads each chunk when it is needed: memory holds one
# chunk at a time (a list's chunks are in memory already).
local_backend <- function(src, na, weights_col, n_threads) {
  clock <- new_clock()
  get <- function(i) {
    prepare_chunk(read_chunk(src, i), i, chunk_label(src, i), na, weights_col)
  }
  list(
    n_chunks = src$n_chunks,
    where = "in this R session",
    timing = clock$get,
    summaries = function() lapply(seq_len(src$n_chunks), function(i) chunk_summary(get(i))),
    rows = function(picks) {
      lapply(as.integer(names(picks)), function(i) chunk_rows(get(i), picks[[as.character(i)]]))
    },
    stats = function(requests) {
      acc <- NULL
      t0 <- elapsed()
      read <- 0
      for (i in seq_len(src$n_chunks)) {
        t1 <- elapsed()
        ch <- get(i)
        read <- read + elapsed() - t1
        if (!nrow(ch$x)) next
        s <- lapply(requests, prepared_stats, ch = ch, n_threads = n_threads)
        acc <- add_chunk_stats(acc, s)
      }
      wall <- elapsed() - t0
      clock$add("read", read)
      clock$pass(wall, wall - read)
      acc
    },
    close = function() invisible(NULL)
  )
}

# Where a fit's passes over the chunks spend their time (seconds): `read`
# (reading and checking chunks), `compute` (the statistics; on a cluster
# the slowest worker's, reading included), `exchange` (on a cluster, the
# rest of a pass: parameters out, sums back), over `passes` passes of
# `seconds` in all.
new_clock <- function() {
  t <- c(passes = 0, seconds = 0, read = 0, compute = 0, exchange = 0)
  list(
    add = function(what, s) t[[what]] <<- t[[what]] + s,
    pass = function(wall, compute, exchange = 0) {
      t[["passes"]] <<- t[["passes"]] + 1
      t[["seconds"]] <<- t[["seconds"]] + wall
      t[["compute"]] <<- t[["compute"]] + compute
      t[["exchange"]] <<- t[["exchange"]] + exchange
    },
    get = function() t
  )
}

elapsed <- function() proc.time()[["elapsed"]]

# The rows of `rows` (global row numbers, sorted) from their chunks, in
# order: a matrix and the weights (NULL without).
gather_rows <- function(be, rows, chunk_rows) {
  chunk_of <- findInterval(rows - 1L, cumsum(chunk_rows)) + 1L
  offset <- c(0, cumsum(chunk_rows))[chunk_of]
  picks <- split(rows - offset, chunk_of)
  got <- be$rows(picks)
  x <- do.call(rbind, lapply(got, `[[`, "x"))
  w <- if (is.null(got[[1L]]$w)) NULL else unlist(lapply(got, `[[`, "w"), use.names = FALSE)
  rownames(x) <- NULL
  list(x = x, w = w)
}

# gmm_fit() on chunks: the chunks' summaries (checks, moments), the starts
# on a random subsample of rows (drawn as gmm_fit() draws it for data held
# in memory, so that the same seed gives the same starts), each start's
# short runs there, and EM on all rows for every candidate at once, one
# pass over the chunks per iteration. When every row fits in the subsample
# the fit is made in memory and its data dropped.
chunked_fit <- function(src, args, cluster = NULL) {
  na <- args$na
  weights_col <- chunk_weights_column(args$case_weights)
  be <- if (is.null(cluster)) {
    local_backend(src, na, weights_col, args$control$n_threads)
  } else {
    cluster_backend(src, cluster, na, weights_col, args$worker_threads)
  }
  on.exit(be$close(), add = TRUE)
  info <- merge_summaries(be$summaries(), src)
  check_chunked_data(info, args)
  init <- check_chunked_init(args$init, length(info$vars))
  k <- if (args$k_missing) default_k(init, info$n) else check_k(args$k, info$n)
  k <- check_k_for_init(init, k, args$k_missing)
  if (max(k) > info$positive) {
    gmm_abort(sprintf("`k` must be at most the number of rows with a positive case weight (%d), not %d.",
                      info$positive, max(k)))
  }
  covariance <- args$covariance
  if (args$all_models && length(info$vars) == 1L) covariance <- c("tied", "full")
  control <- args$control
  scaling <- chunked_scaling(info)
  rows <- init_rows(info$n, k, init, control)
  if (is.null(rows) && init$type == "methods") {
    return(fit_gathered(be, info, args, k, covariance, init, src))
  }
  sub <- if (is.null(rows)) NULL else gather_rows(be, rows, info$rows)
  if (!is.null(sub) && anyNA(sub$x)) sub$x <- mean_imputed(sub$x, scaling$centre)
  plan <- start_plan(NULL, k, init, args$n_init, control, scaling, rows = rows,
                     x_init = sub$x, w_init = sub$w)
  grid <- chunked_grid(be, info, k, covariance, plan, control, args$verbose)
  table <- search_table(grid, info$n_obs, length(info$vars), control$equal_weights)
  if (args$verbose && nrow(table) > 1L) report_candidates(table)
  fd <- list(x = NULL, vars = info$vars, n_obs = info$n_obs,
             source = chunk_source_info(src, info, be))
  if (nrow(table) == 1L) single_fit(candidate(grid, 1L), fd, plan, control) else
    chosen_fit(grid, table, args$criterion, fd, plan, control)
}

# gmm_fit()'s arguments for data in chunks, checked: those that apply, and
# an error for those that do not.
fit_chunk_source <- function(chunks, cluster, a) {
  if (is.null(chunks)) {
    gmm_abort("`cluster` needs data in chunks: give `x` as gmm_chunks(...) or a list of matrices, one or more per worker.")
  }
  if (!is.null(a$data) || !is.null(a$na.action)) {
    gmm_abort("With data in chunks, `data` and `na.action` are not used: set `na` for missing values.")
  }
  if (!is.null(a$prior)) gmm_abort("`prior` is not available for data in chunks.")
  if (isTRUE(a$control$keep_path)) gmm_abort("`keep_path` is not available for data in chunks.")
  args <- list(k = a$k, k_missing = a$k_missing, covariance = check_covariance(a$covariance),
               all_models = is.character(a$covariance) && "all" %in% a$covariance,
               init = a$init, n_init = check_count(a$n_init, "n_init"),
               criterion = check_choice(a$criterion, c("bic", "icl", "aic"), "criterion"),
               control = resolve_control(a$control, a$n_threads), na = a$na,
               case_weights = a$case_weights, verbose = check_flag(a$verbose, "verbose"),
               worker_threads = if (is.null(a$n_threads)) 1L else check_count(a$n_threads, "n_threads"))
  args$control$equal_weights <- check_flag(a$equal_weights, "equal_weights")
  chunked_fit(chunks, args, check_cluster(cluster))
}

# `case_weights` with chunks: NULL, or the name of the chunks' column that
# holds them.
chunk_weights_column <- function(w) {
  if (is.null(w)) return(NULL)
  if (!is.character(w) || length(w) != 1L || is.na(w)) {
    gmm_abort(sprintf("With data in chunks, `case_weights` must be the name of the chunks' column that holds them, not %s.",
                      describe_value(w)))
  }
  w
}

check_chunked_data <- function(info, args) {
  if (info$n < 2L) {
    gmm_abort(sprintf("The chunks have %d %s in all; a mixture needs at least 2 rows.",
                      info$n, plural("row", info$n)))
  }
  constant <- info$m2 == 0
  if (any(constant)) {
    them <- if (sum(constant) == 1L) "it" else "them"
    gmm_abort(sprintf(
      "The chunks have %s %s with a single value, so no variance can be estimated for %s; drop %s.",
      plural("column", sum(constant)), quote_names(info$vars[constant]), them, them))
  }
  if (!is.null(args$case_weights) && info$positive < 2L) {
    gmm_abort("`case_weights` must be positive for at least two rows.")
  }
  invisible(info)
}

# A start with chunks: methods, or parameters (labels for every row would
# be as large as the data).
check_chunked_init <- function(init, d) {
  if (is.list(init) && !is.data.frame(init)) {
    return(check_init_params(init, matrix(numeric(0), 0L, d)))
  }
  if (!is.character(init) || !length(init) || !all(init %in% init_methods) || anyDuplicated(init)) {
    gmm_abort(sprintf(
      "With data in chunks, `init` must be one or more of \"hc\", \"kmeans++\", \"random\", \"random_from_data\", or a list of parameters, not %s.",
      describe_value(init)))
  }
  list(type = "methods", methods = init)
}

# The column centres and variances of the chunks, checked as
# column_scaling() checks those of a matrix.
chunked_scaling <- function(info) {
  s <- info$moments
  bad <- !is.finite(s$var) | s$var < .Machine$double.xmin
  if (any(bad)) {
    gmm_abort(sprintf(
      "The chunks' column %s has a variance that cannot be computed (%s); rescale it first: the fit does not depend on the units.",
      quote_names(info$vars[bad]), format(s$var[bad][1L], digits = 3)))
  }
  list(centre = s$centre, var = s$var)
}

# Every row fits in the starts' subsample: the rows are gathered and
# fitted in memory (exactly the in-memory fit), and the fit keeps no data.
fit_gathered <- function(be, info, args, k, covariance, init, src) {
  all_rows <- gather_rows(be, seq_len(info$n), info$rows)
  x <- all_rows$x
  colnames(x) <- info$vars
  fit <- gmm_fit(x, k = k, covariance = covariance, init = init$methods, n_init = args$n_init,
                 criterion = args$criterion, control = args$control,
                 verbose = args$verbose, equal_weights = args$control$equal_weights,
                 na = if (args$na == "em") "em" else "fail", case_weights = all_rows$w)
  fit[c("data", "posterior", "classification", "case_weights")] <- list(NULL)
  fit$source <- chunk_source_info(src, info, be)
  fit
}

# What a chunked fit says of its data.
chunk_source_info <- function(src, info, be) {
  list(kind = src$kind, n_chunks = src$n_chunks, rows = info$rows,
       files = if (src$kind == "files") src$items else NULL,
       where = be$where, n_missing = info$n_missing, weighted = info$weighted,
       timing = be$timing())
}

# The search's candidates, as fit_grid() gives them for data in memory:
# the short runs of every start on the subsample (the engine, which returns
# each candidate's best short run), then EM on all chunks.
chunked_grid <- function(be, info, ks, covariances, plan, control, verbose) {
  search <- length(ks) * length(covariances) > 1L
  short <- if (plan$init$type == "params") {
    params_starts(plan, covariances, ks)
  } else {
    # (The short runs' convergence test as on all rows: the offset of the
    # data's weight, scaled to the subsample's rows.)
    fd_init <- list(xe = plan$x_init, w = plan$w_init, n_complete = -1L)
    short_control <- c(control, list(short_only = TRUE,
                                     n_obs = info$n_obs * nrow(plan$x_init) / info$n))
    fit_grid(fd_init, ks, covariances, plan, short_control, verbose)
  }
  short_fits <- grid_fits(short)
  cands <- lapply(seq_along(short_fits), function(i) {
    f <- short_fits[[i]]
    cov <- rep(covariances, each = length(ks))[[i]]
    list(params = f[c("weights", "means", "covariances")], covariance = cov,
         code = covariance_code(cov), reg = model_reg(cov, control$reg, plan$scaling$var),
         failures = f$failures, error = f$error, component = f$component)
  })
  settings <- list(tol = control$tol, max_iter = control$max_iter,
                   flat_patience = if (search) flat_patience else 0L, flat_tol = flat_tolerance,
                   ll_offset = 0.5 * info$n_obs * sum(log(plan$scaling$var)),
                   scale = sqrt(plan$scaling$var), equal_weights = isTRUE(control$equal_weights),
                   verbose = verbose)
  runs <- run_chunked(be, cands, settings)
  grid <- runs_as_grid(runs)
  grid$k <- rep(ks, times = length(covariances))
  grid$covariance <- rep(covariances, each = length(ks))
  grid
}

# A user's parameter start, reduced to each structure: the candidates'
# starts without short runs (EM from them on all rows is the same run).
params_starts <- function(plan, covariances, ks) {
  fits <- lapply(covariances, function(cov) {
    p <- project_params(plan$init$params, cov)
    list(weights = p$weights, means = p$means, covariances = p$covariances)
  })
  list(fits = fits)
}

# EM for every candidate at once, as gmmcore::run_em() runs it in memory:
# one pass over the chunks per iteration serves every candidate still
# running (a second one, about the new means, for those whose shift was
# too far: mstep.h). A candidate whose start failed, or that fails on the
# way, keeps its error.
run_chunked <- function(be, cands, st) {
  runs <- lapply(cands, function(c) {
    c$trace <- numeric(0)
    c$inner <- integer(0)
    c$n_iter <- 0L
    c$converged <- FALSE
    c$stopped_flat <- FALSE
    c$flat_iters <- 0L
    c$flatness <- Inf
    c$done <- !is.null(c$error)
    c
  })
  live <- function() which(!vapply(runs, `[[`, logical(1), "done"))
  request <- function(r, shift = NULL) list(params = r$params, code = r$code, shift = shift)
  pass <- function(ids, shifts = NULL) {
    reqs <- lapply(seq_along(ids), function(j) request(runs[[ids[[j]]]], shifts[[j]]))
    be$stats(reqs)
  }
  fail <- function(i, e) {
    runs[[i]]$error <<- conditionMessage(e)
    runs[[i]]$component <<- e$component %||% 0L
    runs[[i]]$done <<- TRUE
  }
  ids <- live()
  if (length(ids)) {
    first <- pass(ids)
    for (j in seq_along(ids)) runs[[ids[[j]]]] <- take_stats(runs[[ids[[j]]]], first[[j]])
  }
  for (i in which(vapply(runs, function(r) isTRUE(r$bad), logical(1)))) fail(i, bad_loglik())
  while (length(ids <- live())) {
    if (st$max_iter < 1L) break
    nxt <- lapply(ids, function(i) tryCatch(next_params(runs[[i]], st), gmm_fit_error = identity))
    again <- which(vapply(nxt, function(p) isTRUE(p$inexact), logical(1)))
    if (length(again)) {
      shifts <- lapply(nxt[again], function(p) as.vector(t(p$means)))
      about <- pass(ids[again], shifts)
      for (j in seq_along(again)) {
        nxt[[again[[j]]]] <- tryCatch(next_params(runs[[ids[[again[[j]]]]]], st, about[[j]]),
                                      gmm_fit_error = identity)
      }
    }
    for (j in seq_along(ids)) {
      if (inherits(nxt[[j]], "error")) fail(ids[[j]], nxt[[j]]) else
        runs[[ids[[j]]]] <- step_params(runs[[ids[[j]]]], nxt[[j]])
    }
    ids <- live()
    if (!length(ids)) break
    stats <- pass(ids)
    for (j in seq_along(ids)) {
      i <- ids[[j]]
      if (isTRUE(stats[[j]]$bad)) {
        fail(i, bad_loglik())
        next
      }
      runs[[i]] <- iteration_done(runs[[i]], stats[[j]], st)
    }
    if (st$verbose) {
      message(sprintf("EM over the chunks: %d %s still running", length(live()),
                      plural("candidate", length(live()))))
    }
  }
  runs
}

bad_loglik <- function() {
  structure(class = c("gmm_fit_error", "error", "condition"), list(
    message = "the log-likelihood is not finite: some observation has zero density under every component",
    call = NULL, component = 0L))
}

# A run's statistics at its current parameters.
take_stats <- function(r, s) {
  r$stats <- s
  r$loglik <- s$loglik
  r$entropy <- s$entropy
  r$bad <- s$bad
  r
}

# The M-step from the run's statistics (or from `about`, the moments about
# the new means).
next_params <- function(r, st, about = NULL) {
  s <- about %||% r$stats
  nxt <- cpp_params_from_stats(s, r$code, r$reg, r$params, st$equal_weights,
                               about_means = !is.null(about), scale = st$scale)
  if (!is.null(nxt$error)) gmm_abort(nxt$error, class = "gmm_fit_error", component = nxt$component)
  nxt
}

step_params <- function(r, nxt) {
  r$params <- nxt[c("weights", "means", "covariances")]
  r$inner <- c(r$inner, as.integer(nxt$rounds))
  r$flatness <- nxt$flatness
  r
}

# After the pass at the new parameters: the convergence test of run_em(),
# and a search's stop for a component flat for `flat_patience` iterations.
iteration_done <- function(r, s, st) {
  previous <- r$loglik
  r <- take_stats(r, s)
  r$n_iter <- r$n_iter + 1L
  r$trace <- c(r$trace, s$loglik)
  change <- abs(s$loglik - previous) / (1 + abs(previous + st$ll_offset))
  if (st$flat_patience > 0L) {
    r$flat_iters <- if (min(r$flatness) <= st$flat_tol) r$flat_iters + 1L else 0L
  }
  if (change < st$tol) {
    r$converged <- TRUE
    r$done <- TRUE
  } else if (st$flat_patience > 0L && r$flat_iters >= st$flat_patience) {
    r$stopped_flat <- TRUE
    r$done <- TRUE
  } else if (r$n_iter >= st$max_iter) {
    r$done <- TRUE
  }
  r
}

# The runs as the engine's grid: each candidate's result (or error) and the
# search table's columns.
runs_as_grid <- function(runs) {
  fits <- lapply(runs, function(r) {
    if (!is.null(r$error)) return(list(error = r$error, component = r$component))
    c(r$params, list(loglik = r$loglik, log_prior = 0, trace = r$trace, inner = r$inner,
                     n_iter = r$n_iter, converged = r$converged,
                     stopped_flat = r$stopped_flat, entropy = r$entropy,
                     flatness = r$flatness, reg = r$reg, failures = r$failures))
  })
  summary <- t(vapply(fits, function(f) {
    if (!is.null(f$error)) return(rep(NA_real_, 5L))
    c(f$loglik, f$entropy, f$converged, f$n_iter, min(f$flatness))
  }, numeric(5)))
  error <- vapply(fits, function(f) f$error %||% NA_character_, character(1))
  list(fits = fits, summary = summary, error = error)
}

# `iterations` EM iterations over `chunks` (a list of matrices with the same
# columns) from `start`, as gmm_fit(tol = 0) makes them in memory: the
# log-likelihood of each iteration's parameters and the last parameters.
chunked_em <- function(chunks, start, covariance, iterations, reg = 1e-6, var,
                       case_weights = NULL) {
  items <- if (is.null(case_weights)) chunks else {
    Map(function(x, w) cbind(x, .w = w), chunks, case_weights)
  }
  be <- local_backend(gmm_chunks(items), "em", if (is.null(case_weights)) NULL else ".w", 1L)
  cand <- list(params = start[c("weights", "means", "covariances")], covariance = covariance,
               code = covariance_code(covariance), reg = model_reg(covariance, reg, var))
  st <- list(tol = 0, max_iter = iterations, flat_patience = 0L, flat_tol = 0, ll_offset = 0,
             scale = sqrt(var), equal_weights = FALSE, verbose = FALSE)
  run <- run_chunked(be, list(cand), st)[[1L]]
  if (!is.null(run$error)) gmm_abort(run$error, class = "gmm_fit_error")
  list(params = run$params, trace = run$trace, loglik = run$loglik)
}
