# Data held in chunks: where they come from (a list, files and a reader, or
# a function of the chunk's number), and each chunk read and checked as
# gmm_fit() checks a matrix. Fits on chunks are in R/chunked.R.

#' Data in chunks, for data larger than memory
#'
#' Describes data held in pieces: a list of matrices or data frames, a set
#' of files with a function that reads one, or a function that returns
#' chunk `i`. [gmm_fit()] fits such data by passing over the chunks once per
#' EM iteration, holding one chunk at a time (or, with a `cluster`, each
#' worker holding its own chunks); [predict.gmmfit()] and
#' [logLik.gmmfit()] take them as `newdata`. Nothing is read when the
#' description is made.
#'
#' Every chunk must have the same columns, by number and by name (matrices
#' without column names get `x1`, `x2`, ...). A chunk is a numeric matrix, a
#' data frame of numeric columns or, with one variable, a numeric vector.
#'
#' The size of a chunk: a fit held in one R session reads every chunk once
#' per EM iteration, so reading should be quick. Binary files read with
#' [readBin()] (the matrix made with `dim<-`, which does not copy it) are
#' the quickest. On Linux, chunks of up to about 30 MB (400,000 rows of 10
#' variables) are also quicker to read again and again than larger ones:
#' the C library returns larger blocks to the system when R frees them, and
#' the next chunk's memory is then set up afresh (in `bench/chunked.R`,
#' chunks of 80 MB took 0.40 s each to read, 5 ms per MB, and chunks of 20
#' MB 2.3 ms per MB; the environment variable `MALLOC_MMAP_THRESHOLD_`, set
#' before R starts, raises that limit: 0.9 ms per MB for the 80 MB chunks).
#' On a cluster each chunk is read once, and its size matters little.
#'
#' @param x A list of matrices or data frames; a character vector of file
#'   paths, one chunk per file; or a function of one argument returning
#'   chunk `i` (then `n_chunks` is needed).
#' @param reader For files: a function of a path that returns the chunk
#'   (for instance `readRDS`, or `function(f) data.table::fread(f)`). By
#'   default files ending in `.rds` are read with [readRDS()] and files
#'   ending in `.csv` with [utils::read.csv()].
#' @param n_chunks For a function `x`: how many chunks it gives (it is
#'   called with `1`, ..., `n_chunks`).
#' @return An object of class `"gmm_chunks"`.
#' @seealso [gmm_fit()], whose section "Data in chunks" describes the fit.
#' @examples
#' # a list of matrices
#' parts <- split(as.data.frame(faithful), rep(1:3, length.out = nrow(faithful)))
#' chunks <- gmm_chunks(parts)
#' chunks
#'
#' # files, read one at a time
#' dir <- tempfile()
#' dir.create(dir)
#' files <- file.path(dir, sprintf("part%d.rds", 1:3))
#' for (i in 1:3) saveRDS(parts[[i]], files[i])
#' on_disk <- gmm_chunks(files)
#'
#' # a function returning chunk i
#' generated <- gmm_chunks(function(i) parts[[i]], n_chunks = 3)
#'
#' fit <- gmm_fit(on_disk, k = 2)
#' fit
#' unlink(dir, recursive = TRUE)
#' @export
gmm_chunks <- function(x, reader = NULL, n_chunks = NULL) {
  if (is.function(x)) {
    if (is.null(n_chunks)) {
      gmm_abort("`n_chunks` is needed with a function `x`: how many chunks does it give?")
    }
    if (!is.null(reader)) gmm_abort("`reader` is used only with files (a character vector `x`).")
    return(new_chunks("function", check_count(n_chunks, "n_chunks"), fun = x))
  }
  if (!is.null(n_chunks)) gmm_abort("`n_chunks` is used only with a function `x`.")
  if (is.character(x)) {
    if (!length(x) || anyNA(x) || any(x == "")) {
      gmm_abort("`x` as files must be a character vector of paths, without NA or empty strings.")
    }
    if (is.null(reader)) reader <- default_reader(x)
    if (!is.function(reader)) {
      gmm_abort(sprintf("`reader` must be a function of a file's path, not %s.", describe(reader)))
    }
    return(new_chunks("files", length(x), items = x, reader = reader))
  }
  if (!is.null(reader)) gmm_abort("`reader` is used only with files (a character vector `x`).")
  if (is.list(x) && !is.data.frame(x)) {
    if (!length(x)) gmm_abort("`x` is an empty list: there are no chunks.")
    return(new_chunks("list", length(x), items = x))
  }
  gmm_abort(sprintf(
    "`x` must be a list of matrices or data frames, a character vector of files or a function returning chunk i, not %s.",
    describe(x)))
}

new_chunks <- function(kind, n_chunks, items = NULL, reader = NULL, fun = NULL) {
  structure(list(kind = kind, n_chunks = as.integer(n_chunks), items = items, reader = reader,
                 fun = fun), class = "gmm_chunks")
}

# readRDS() for .rds files, read.csv() for .csv ones.
default_reader <- function(files) {
  ext <- tolower(tools::file_ext(files))
  if (all(ext == "rds")) return(readRDS)
  if (all(ext == "csv")) return(utils::read.csv)
  gmm_abort(sprintf(
    "`reader` is needed: files ending in .rds or .csv are read by default, not %s.",
    quote_names(unique(basename(files[!ext %in% c("rds", "csv")])))))
}

#' @export
print.gmm_chunks <- function(x, ...) {
  what <- switch(x$kind, list = "in a list", files = "in files",
                 "from a function of the chunk's number")
  cat(sprintf("Data in %d %s %s\n", x$n_chunks, plural("chunk", x$n_chunks), what))
  if (x$kind == "files") {
    shown <- utils::head(x$items, 3L)
    cat(paste0("  ", shown, collapse = "\n"), if (length(x$items) > 3L) "\n  ...", "\n", sep = "")
  }
  invisible(x)
}

# A list of matrices and data frames given to gmm_fit() or predict() is
# data in chunks; a data frame is not.
as_chunks <- function(x) {
  if (inherits(x, "gmm_chunks")) return(x)
  if (is.list(x) && !is.data.frame(x) && length(x) &&
      all(vapply(x, function(p) is.matrix(p) || is.data.frame(p), logical(1)))) {
    return(gmm_chunks(x))
  }
  NULL
}

chunk_label <- function(src, i) {
  if (src$kind == "files") sprintf("chunk %d (%s)", i, src$items[[i]]) else sprintf("chunk %d", i)
}

# Chunk i as its source gives it; a failure to read it is an error naming it.
read_chunk <- function(src, i) {
  if (src$kind == "files" && !file.exists(src$items[[i]])) {
    gmm_abort(sprintf("Reading %s failed: there is no such file (on the machine reading it).",
                      chunk_label(src, i)),
              class = "gmm_chunk_error", chunk = i)
  }
  tryCatch(
    switch(src$kind, list = src$items[[i]], files = src$reader(src$items[[i]]), src$fun(i)),
    error = function(e) {
      gmm_abort(sprintf("Reading %s failed: %s", chunk_label(src, i), conditionMessage(e)),
                class = "gmm_chunk_error", chunk = i)
    })
}

# A chunk as a fit uses it: a numeric matrix checked as gmm_fit() checks
# `x` (errors name the chunk), its case weights taken from the column
# `weights_col`, its missing values handled as `na` says, and the rows put
# in the engine's order (complete rows first: R/missing.R). `ord` (NULL: the
# given order) maps back to the chunk's rows.
prepare_chunk <- function(raw, i, label, na = "fail", weights_col = NULL) {
  x <- in_chunk(i, check_data(raw, arg = label, allow_na = TRUE))
  w <- NULL
  if (!is.null(weights_col)) {
    col <- match(weights_col, colnames(x))
    if (is.na(col)) {
      gmm_abort(sprintf("`case_weights` names the column '%s', which %s does not have.",
                        weights_col, label), class = "gmm_chunk_error", chunk = i)
    }
    w <- x[, col]
    x <- x[, -col, drop = FALSE]
    in_chunk(i, check_case_weights(w, nrow(x)))
  }
  if (anyNA(x)) {
    if (na == "fail") {
      at <- which(is.na(x), arr.ind = TRUE)[1L, ]
      gmm_abort(sprintf(
        "%s has missing values (the first in row %d, column '%s'); set `na = \"em\"` to fit them, or `na = \"omit\"` to leave those rows out.",
        label, at[[1L]], colnames(x)[at[[2L]]]), class = "gmm_chunk_error", chunk = i)
    }
    if (na == "omit") {
      keep <- stats::complete.cases(x)
      x <- x[keep, , drop = FALSE]
      if (!is.null(w)) w <- w[keep]
    }
  }
  layout <- missing_layout(x)
  if (length(layout$empty)) {
    gmm_abort(sprintf("%s has rows with every value missing (row %s); a row needs an observed value.",
                      label, paste(utils::head(layout$empty, 5L), collapse = ", ")),
              class = "gmm_chunk_error", chunk = i)
  }
  c(engine_rows(x, w, layout), list(vars = colnames(x)))
}

# Input errors of a chunk's checks carry the chunk's number.
in_chunk <- function(i, expr) {
  tryCatch(expr, gmm_input_error = function(e) {
    gmm_abort(conditionMessage(e), class = "gmm_chunk_error", chunk = i)
  })
}

# What a fit needs to know of a prepared chunk before it starts: its rows,
# their weight, and per column the (weighted) count, mean and sum of
# squared deviations of the observed values, which merge exactly
# (merge_summaries()).
chunk_summary <- function(ch) {
  x <- ch$x
  n <- nrow(x)
  obs <- if (anyNA(x)) !is.na(x) else NULL
  count <- if (is.null(obs)) {
    rep(if (is.null(ch$w)) n else sum(ch$w), ncol(x))
  } else if (is.null(ch$w)) {
    colSums(obs)
  } else {
    colSums(obs * ch$w)
  }
  m <- if (n == 0L) list(centre = rep(0, ncol(x)), var = rep(0, ncol(x))) else
    observed_moments(x, ch$w)
  m2 <- ifelse(count > 1, m$var * (count - 1), m$var * count)
  m2[count == 0] <- 0
  centre <- m$centre
  centre[count == 0] <- 0
  list(n = n, weight = if (is.null(ch$w)) n else sum(ch$w), weighted = !is.null(ch$w),
       vars = ch$vars, count = count,
       centre = centre, m2 = m2, n_missing = if (is.null(obs)) 0 else sum(!obs),
       positive = if (is.null(ch$w)) n else sum(ch$w > 0))
}

# The chunks' summaries merged in chunk order (Chan, Golub and LeVeque's
# pairwise update of means and sums of squares), after checking that every
# chunk has chunk 1's columns: the rows per chunk, the column centres and
# variances (divisor as observed_moments()'s), and the totals.
merge_summaries <- function(sums, src) {
  vars <- sums[[1L]]$vars
  for (i in seq_along(sums)) check_chunk_columns(sums[[i]]$vars, vars, i, src)
  count <- 0
  centre <- 0
  m2 <- 0
  for (s in sums) {
    total <- count + s$count
    delta <- s$centre - centre
    share <- ifelse(total > 0, s$count / total, 0)
    centre <- centre + delta * share
    m2 <- m2 + s$m2 + delta^2 * count * share
    count <- total
  }
  var <- ifelse(count > 1, m2 / (count - 1), m2 / count)
  rows <- vapply(sums, `[[`, numeric(1), "n")
  list(vars = vars, rows = rows, n = sum(rows),
       weighted = any(vapply(sums, `[[`, logical(1), "weighted")),
       n_obs = sum(vapply(sums, `[[`, numeric(1), "weight")),
       positive = sum(vapply(sums, `[[`, numeric(1), "positive")),
       n_missing = sum(vapply(sums, `[[`, numeric(1), "n_missing")),
       moments = list(centre = centre, var = var), m2 = m2)
}

check_chunk_columns <- function(vars, first, i, src) {
  if (length(vars) != length(first)) {
    gmm_abort(sprintf("%s has %d %s; chunk 1 has %d (%s). Every chunk needs the same columns.",
                      chunk_label(src, i), length(vars), plural("column", length(vars)),
                      length(first), quote_names(first)),
              class = "gmm_chunk_error", chunk = i)
  }
  if (!identical(vars, first)) {
    gmm_abort(sprintf("%s has columns %s; chunk 1 has %s. Every chunk needs the same columns, in the same order.",
                      chunk_label(src, i), quote_names(vars), quote_names(first)),
              class = "gmm_chunk_error", chunk = i)
  }
  invisible(vars)
}

# Rows `rows` (in the chunk's own order) of a prepared chunk, with their
# weights.
chunk_rows <- function(ch, rows) {
  at <- if (is.null(ch$ord)) rows else match(rows, ch$ord)
  list(x = ch$x[at, , drop = FALSE], w = if (is.null(ch$w)) NULL else ch$w[at])
}
