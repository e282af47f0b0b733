# The tools being compared: finding the alternatives, building the Armadillo
# driver, and running every measurement in a fresh child process.

drivers_dir <- function() file.path(bench$dir, "drivers")
rscript <- function() file.path(R.home("bin"), "Rscript")

# Settings shared by every child process: the thread count of OpenMP and of
# the BLAS, and no Python bytecode files written into the source tree.
child_env <- function(threads) {
  c(sprintf("OMP_NUM_THREADS=%d", threads), sprintf("OPENBLAS_NUM_THREADS=%d", threads),
    sprintf("MKL_NUM_THREADS=%d", threads), "PYTHONDONTWRITEBYTECODE=1")
}

# key=value arguments for a child; whole numbers are written without exponent.
kv <- function(...) {
  a <- list(...)
  value <- vapply(a, function(v) {
    if (is.numeric(v) && v == round(v)) sprintf("%.0f", v) else as.character(v)
  }, "")
  paste0(names(a), "=", value)
}

# Runs a child process and parses its records (see parse_records()); a
# failure is returned as $error with the end of the child's error output.
run_child <- function(command, args, threads = bench$settings$threads) {
  err <- tempfile("stderr-", tmpdir = bench$work)
  out <- tryCatch(
    suppressWarnings(system2(command, shQuote(args), stdout = TRUE, stderr = err,
                             env = child_env(threads))),
    error = function(e) structure(conditionMessage(e), status = 127L))
  res <- parse_records(out)
  status <- attr(out, "status")
  if (!is.null(status) && status != 0L) {
    msg <- c(if (file.exists(err)) readLines(err, warn = FALSE), out)
    res$error <- sprintf("failed (status %d): %s", status,
                         paste(utils::tail(msg[nzchar(msg)], 3L), collapse = " | "))
  }
  unlink(err)
  res
}

# Child output: one record per line, a keyword then fields (see the drivers).
parse_records <- function(lines) {
  fields <- strsplit(trimws(lines), "[[:space:]]+")
  key <- vapply(fields, function(f) if (length(f)) f[1L] else "", "")
  num <- function(records, i) vapply(records, function(f) as.numeric(f[i]), 0)
  fits <- fields[key == "fit"]
  res <- list(fit = data.frame(seconds = num(fits, 2L), iterations = num(fits, 3L),
                               loglik = num(fits, 4L)))
  one <- function(k) if (any(key == k)) as.numeric(fields[key == k][[1L]][-1L]) else NULL
  res$memory <- one("memory")     # RSS before the first fit, peak after it (kB)
  res$search <- one("search")     # seconds, k, BIC, loglik
  res$dgemm <- one("dgemm")       # GFLOP/s, seconds, size
  res$threads <- one("threads")
  res$last_change <- one("last_change")
  # seconds, runs, k, structure, BIC, loglik, degenerate (as text)
  res$model <- if (any(key == "model")) fields[key == "model"][[1L]][-1L] else NULL
  # The same per tool, from a child that times two tools in turn.
  of <- fields[key == "model_of"]
  res$models <- stats::setNames(lapply(of, function(f) f[-(1:2)]), vapply(of, `[`, "", 2L))
  res$rounds <- one("rounds")
  starts <- fields[key == "start"]
  res$starts <- data.frame(k = num(starts, 2L), structure = vapply(starts, `[`, "", 3L),
                           loglik = num(starts, 4L), degenerate = num(starts, 5L),
                           stringsAsFactors = FALSE)
  versions <- fields[key == "version"]
  res$versions <- stats::setNames(vapply(versions, function(f) paste(f[-(1:2)], collapse = " "), ""),
                                  vapply(versions, function(f) f[2L], ""))
  res
}

# The Python interpreter: GMMFIT_BENCH_PYTHON when set; otherwise the first
# of Debian's /usr/bin/python3 and python3 on the PATH (often another
# installation, such as a pyenv one, without Debian's packages) that has
# scikit-learn, else the first that has numpy, else the first found. Returns
# its path and the versions of numpy and scikit-learn there.
find_python <- function() {
  py <- Sys.getenv("GMMFIT_BENCH_PYTHON")
  candidates <- if (nzchar(py)) py else
    unique(c(if (file.exists("/usr/bin/python3")) "/usr/bin/python3", unname(Sys.which("python3"))))
  found <- lapply(candidates[nzchar(candidates)], probe_python)
  if (!length(found)) return(list(path = "", numpy = NA_character_, sklearn = NA_character_))
  has <- function(module) vapply(found, function(p) !is.na(p[[module]]), TRUE)
  found[[c(which(has("sklearn")), which(has("numpy")), 1L)[1L]]]
}

# The versions of numpy and scikit-learn importable by interpreter `py`.
probe_python <- function(py) {
  probe <- function(module) {
    v <- tryCatch(suppressWarnings(system2(py, c("-c", shQuote(sprintf(
      "import %s; print(%s.__version__)", module, module))), stdout = TRUE, stderr = FALSE)),
      error = function(e) structure(character(), status = 127L))
    if (is.null(attr(v, "status")) && length(v)) v[[1L]] else NA_character_
  }
  list(path = py, numpy = probe("numpy"), sklearn = probe("sklearn"))
}

# Compiles the Armadillo driver into the work directory; NULL and a reason
# when there is no compiler or Armadillo.
armadillo_flags <- c("-O3", "-march=native", "-fopenmp", "-DARMA_NO_DEBUG", "-std=c++14")

build_armadillo <- function() {
  cxx <- Sys.getenv("GMMFIT_BENCH_CXX", "g++")
  if (!nzchar(Sys.which(cxx))) return(list(reason = sprintf("no C++ compiler (%s)", cxx)))
  bin <- file.path(bench$work, "gmm_armadillo")
  args <- c(armadillo_flags, shQuote(file.path(drivers_dir(), "gmm_armadillo.cpp")),
            "-o", shQuote(bin), "-larmadillo")
  out <- suppressWarnings(system2(cxx, args, stdout = TRUE, stderr = TRUE))
  if (!is.null(attr(out, "status"))) {
    first <- grep("error", out, value = TRUE)[1L]
    return(list(reason = paste("the driver does not compile:", if (is.na(first)) out[1L] else first)))
  }
  version <- run_child(bin, character())$versions[["armadillo"]]
  list(binary = bin, version = version,
       command = paste(cxx, paste(armadillo_flags, collapse = " "), "... -larmadillo"))
}

# Which alternatives can run, with their versions; each one missing is
# reported with the reason and left out.
find_alternatives <- function(wanted) {
  alt <- list(
    mclust = if (requireNamespace("mclust", quietly = TRUE)) {
      list(ok = TRUE, version = as.character(utils::packageVersion("mclust")))
    } else list(ok = FALSE, reason = "the R package mclust is not installed"),
    python = find_python()
  )
  alt$sklearn <- if (!is.na(alt$python$sklearn)) list(ok = TRUE, version = alt$python$sklearn) else
    list(ok = FALSE, reason = if (!nzchar(alt$python$path)) "no python3 found" else
      sprintf("%s cannot import sklearn", alt$python$path))
  alt$armadillo <- if ("armadillo" %in% wanted) build_armadillo() else list()
  alt$armadillo$ok <- !is.null(alt$armadillo$binary)
  for (tool in setdiff(all_tools, wanted)) alt[[tool]] <- list(ok = FALSE, unwanted = TRUE)
  alt
}

describe_alternatives <- function(alt) {
  line <- function(name, a, detail) {
    if (a$ok) say(sprintf("  %-13s %s", name, detail))
    else if (isTRUE(a$unwanted)) say(sprintf("  %-13s left out (--tools)", name))
    else say(sprintf("  %-13s NOT AVAILABLE: %s; skipped", name, a$reason))
  }
  line("mclust", alt$mclust, paste(alt$mclust$version, "(single-threaded Fortran)"))
  line("scikit-learn", alt$sklearn, sprintf("%s with numpy %s, %s", alt$sklearn$version,
                                            alt$python$numpy, alt$python$path))
  line("Armadillo", alt$armadillo, sprintf(
    "%s; gmm_full driver built with %s (a favourable build: native instructions, no debug checks)",
    alt$armadillo$version, alt$armadillo$command))
}
