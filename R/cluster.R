# Chunks on the workers of a `parallel` cluster: each worker reads its
# chunks once and keeps them (in worker_store, under a key of the fit);
# every pass sends the parameters out and brings each chunk's statistics
# back, which the master adds up in chunk order (R/chunked.R). Calls go to
# every worker before any result is read, so the workers compute side by
# side; when a worker dies, or the master is interrupted, the results still
# due from the other workers are read and dropped, so that the cluster
# stays in step for its next use.

check_cluster <- function(cluster) {
  if (is.null(cluster)) return(NULL)
  if (!inherits(cluster, "cluster") || !length(cluster)) {
    gmm_abort(sprintf("`cluster` must be a cluster from parallel::makeCluster(), not %s.",
                      describe(cluster)))
  }
  cluster
}

# Where each worker's chunks live on the workers, for the fits running now.
worker_store <- new.env(parent = emptyenv())
fit_counter <- new.env(parent = emptyenv())

new_fit_key <- function() {
  fit_counter$n <- (fit_counter$n %||% 0L) + 1L
  sprintf("gmmfit-%d-%d-%s", Sys.getpid(), fit_counter$n, format(Sys.time(), "%H%M%OS6"))
}

# parallel's own send and receive, which clusterCall() uses: unexported, but
# needed to go on reading the other workers when one of them fails.
send_call <- function(node, fun, args) {
  get("sendCall", envir = asNamespace("parallel"))(node, fun, args)
}
recv_result <- function(node) get("recvResult", envir = asNamespace("parallel"))(node)

cluster_backend <- function(src, cl, na, weights_col, n_threads) {
  n_nodes <- length(cl)
  held <- parallel::splitIndices(src$n_chunks, n_nodes)
  state <- new.env(parent = emptyenv())
  state$dead <- logical(n_nodes)
  state$loaded <- logical(n_nodes)
  key <- new_fit_key()
  clock <- new_clock()
  holders <- which(lengths(held) > 0L)
  # Run fun(key, args_of(j)...) on the workers holding chunks; each result
  # is that worker's, errors of a chunk come back as values.
  call_workers <- function(fun, args_of, nodes = holders) {
    results <- vector("list", n_nodes)
    pending <- logical(n_nodes)
    failed <- character(n_nodes)
    on.exit(for (j in which(pending)) try(recv_result(cl[[j]]), silent = TRUE), add = TRUE)
    for (j in nodes) {
      sent <- tryCatch({
        send_call(cl[[j]], fun, c(list(key), args_of(j)))
        TRUE
      }, error = function(e) {
        failed[[j]] <<- conditionMessage(e)
        FALSE
      })
      pending[[j]] <- sent
    }
    for (j in nodes[pending[nodes]]) {
      r <- tryCatch(recv_result(cl[[j]]), error = function(e) e)
      pending[[j]] <- FALSE
      if (inherits(r, "error")) failed[[j]] <- conditionMessage(r) else results[[j]] <- r
    }
    lost <- which(nzchar(failed))
    if (length(lost)) {
      state$dead[lost] <- TRUE
      j <- lost[[1L]]
      gmm_abort(sprintf(
        "Worker %d of the cluster, holding %s %s, stopped responding: %s. The fit was stopped; the other workers are as they were (replace the lost worker, or make a new cluster).",
        j, plural("chunk", length(held[[j]])), paste(held[[j]], collapse = ", "), failed[[j]]),
        class = "gmm_worker_error", worker = j, chunks = held[[j]])
    }
    for (j in nodes) raise_worker_error(results[[j]], j, held[[j]])
    results
  }
  load <- function() {
    sub <- function(j) {
      s <- src
      if (s$kind == "list") {
        items <- vector("list", s$n_chunks)
        items[held[[j]]] <- s$items[held[[j]]]
        s$items <- items
      }
      list(s, held[[j]], na, weights_col)
    }
    state$loaded[holders] <- TRUE
    res <- call_workers(worker_load, sub)
    unlist(res[holders], recursive = FALSE)
  }
  list(
    n_chunks = src$n_chunks,
    where = sprintf("on %d %s of a cluster", length(holders), plural("worker", length(holders))),
    summaries = load,
    rows = function(picks) {
      ids <- as.integer(names(picks))
      res <- call_workers(worker_rows, function(j) list(picks[as.character(intersect(held[[j]], ids))]),
                          nodes = holders[vapply(held[holders], function(h) any(h %in% ids), logical(1))])
      got <- unlist(res, recursive = FALSE)
      got[order(as.integer(names(got)))]
    },
    timing = clock$get,
    stats = function(requests) {
      t0 <- elapsed()
      res <- call_workers(worker_stats, function(j) list(requests, n_threads))
      wall <- elapsed() - t0
      slowest <- max(vapply(res[holders], `[[`, numeric(1), "seconds"))
      clock$pass(wall, slowest, max(wall - slowest, 0))
      per_chunk <- unlist(lapply(res[holders], `[[`, "chunks"), recursive = FALSE)
      Reduce(add_chunk_stats, per_chunk, NULL)
    },
    close = function() {
      live <- which(state$loaded & !state$dead)
      if (length(live)) try(call_workers(worker_drop, function(j) list(), nodes = live), silent = TRUE)
      invisible(NULL)
    }
  )
}

# A worker's value: an error of the worker (an R error outside our
# handlers) or of one of its chunks becomes the master's error.
raise_worker_error <- function(r, j, chunks) {
  if (inherits(r, "try-error")) {
    gmm_abort(sprintf("Worker %d of the cluster failed: %s", j, as.character(r)),
              class = "gmm_worker_error", worker = j, chunks = chunks)
  }
  if (is.list(r) && isTRUE(r$failed)) {
    gmm_abort(r$message, class = unique(c(r$class, "gmm_chunk_error")), chunk = r$chunk)
  }
  invisible(r)
}

# On a worker: failures become values naming the chunk.
worker_failure <- function(e, i) {
  list(failed = TRUE, message = conditionMessage(e), chunk = e$chunk %||% i,
       class = setdiff(class(e), c("gmm_error", "error", "condition")))
}

# On a worker: read and check its chunks, keep them, return their summaries
# (a list named by chunk number).
worker_load <- function(key, src, ids, na, weights_col) {
  chunks <- vector("list", length(ids))
  out <- vector("list", length(ids))
  names(out) <- ids
  for (j in seq_along(ids)) {
    i <- ids[[j]]
    res <- tryCatch({
      chunks[[j]] <- prepare_chunk(read_chunk(src, i), i, chunk_label(src, i), na, weights_col)
      chunk_summary(chunks[[j]])
    }, error = function(e) worker_failure(e, i))
    if (isTRUE(res$failed)) return(res)
    out[[j]] <- res
  }
  assign(key, list(ids = ids, chunks = chunks), envir = worker_store)
  out
}

worker_held <- function(key) {
  if (!exists(key, envir = worker_store, inherits = FALSE)) {
    stop("this worker holds no chunks of the fit (was it restarted?)")
  }
  get(key, envir = worker_store, inherits = FALSE)
}

# On a worker: given rows of its chunks (a list named by chunk number).
worker_rows <- function(key, picks) {
  tryCatch({
    held <- worker_held(key)
    out <- lapply(names(picks), function(i) {
      chunk_rows(held$chunks[[match(as.integer(i), held$ids)]], picks[[i]])
    })
    stats::setNames(out, names(picks))
  }, error = function(e) worker_failure(e, NA_integer_))
}

# On a worker: each of its chunks' statistics for every request, and the
# seconds they took.
worker_stats <- function(key, requests, n_threads) {
  t0 <- elapsed()
  tryCatch({
    held <- worker_held(key)
    out <- lapply(held$chunks, function(ch) {
      if (!nrow(ch$x)) return(NULL)
      lapply(requests, prepared_stats, ch = ch, n_threads = n_threads)
    })
    list(chunks = stats::setNames(out, held$ids), seconds = elapsed() - t0)
  }, error = function(e) worker_failure(e, NA_integer_))
}

worker_drop <- function(key) {
  if (exists(key, envir = worker_store, inherits = FALSE)) rm(list = key, envir = worker_store)
  TRUE
}

#' A local or multi-machine cluster for fits on data in chunks
#'
#' Starts a socket cluster with [parallel::makePSOCKcluster()], its
#' connections set to send small messages at once (`socketOptions =
#' "no-delay"`, on the master and on every worker): each EM iteration of a
#' fit on a cluster sends the parameters to every worker and brings back
#' sums of a few kilobytes, which with R's default socket settings can wait
#' 40 milliseconds each way for the operating system to send them. Any
#' cluster from the `parallel` package works with [gmm_fit()]; this one
#' just makes that exchange quick.
#'
#' Each worker needs gmmfit installed. For workers on other machines, give
#' their host names (one entry per worker), which `makePSOCKcluster()` reaches
#' by `ssh` (passwordless keys; see its documentation for `user`, `rshcmd`,
#' `homogeneous` and `rscript`). Files of a [gmm_chunks()] source are read
#' by the workers, so the paths must be valid on the machines that hold
#' them. Stop the cluster with [parallel::stopCluster()] when done.
#'
#' @param workers The number of local workers, or a character vector of host
#'   names (one per worker, `"localhost"` for this machine).
#' @param ... Further arguments to [parallel::makePSOCKcluster()].
#' @return A cluster (class `"cluster"`).
#' @examples
#' \donttest{
#' cl <- gmm_cluster(2)
#' parts <- split(faithful, rep(1:4, each = 68))
#' fit <- gmm_fit(parts, k = 2, cluster = cl)
#' fit
#' parallel::stopCluster(cl)
#' }
#' # across machines (not run): two workers on each of two hosts
#' # cl <- gmm_cluster(c("node1", "node1", "node2", "node2"))
#' @export
gmm_cluster <- function(workers = 2L, ...) {
  if (!(is.character(workers) && length(workers) && !anyNA(workers))) {
    workers <- check_count(workers, "workers")
  }
  dots <- list(...)
  dots$rscript_args <- c(dots$rscript_args, "-e", shQuote("options(socketOptions = 'no-delay')"))
  old <- options(socketOptions = "no-delay")
  on.exit(options(old), add = TRUE)
  do.call(parallel::makePSOCKcluster, c(list(workers), dots))
}
