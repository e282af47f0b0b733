# gmmfit benchmark. From the root of the checkout:
#
#   Rscript bench/run.R            # everything (see bench/README.md)
#   Rscript bench/run.R --quick    # smoke test
#   Rscript bench/run.R --help     # options
#
# Uses the installed gmmfit (it does not build or install it). Each
# measurement runs in a fresh child process (the scripts in bench/drivers),
# which reads the data and the common start from binary files in a temporary
# directory, removed at the end. The report is printed and also written to
# bench/results-latest.txt.

bench <- new.env()   # the state of the run: options, settings, alternatives

bench_dir <- function() {
  file <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  if (length(file)) dirname(normalizePath(sub("^--file=", "", file[1L]))) else "bench"
}

main <- function() {
  started <- Sys.time()
  bench$dir <- bench_dir()
  for (f in c("options", "report", "data", "tools", "load", "fits", "main_table", "search", "sweep",
              "datasets", "starts")) {
    source(file.path(bench$dir, "lib", paste0(f, ".R")))
  }
  bench$opt <- parse_options(commandArgs(trailingOnly = TRUE), bench$dir)
  bench$settings <- bench_settings(bench$opt$quick)
  if (!requireNamespace("gmmfit", quietly = TRUE)) {
    stop("gmmfit is not installed; install it first (R CMD INSTALL . from the checkout)", call. = FALSE)
  }
  bench$work <- tempfile("gmmfit-bench-")
  dir.create(bench$work)
  on.exit(unlink(bench$work, recursive = TRUE), add = TRUE)
  on.exit(stop_all_busy_loops(), add = TRUE, after = FALSE)
  open_report(bench$opt$out)
  print_header()
  bench$alt <- find_alternatives(bench$opt$tools)
  describe_alternatives(bench$alt)
  if (any(main_datasets(FALSE)$name %in% bench$opt$parts)) bench$dgemm <- measure_dgemm()
  run_main_table()
  run_search()
  run_sweep()
  run_datasets()
  run_starts()
  say("")
  say(sprintf("Total time: %.1f min.", as.numeric(Sys.time() - started, units = "mins")))
  if (!identical(gmmfit_build(), bench$gmmfit_build)) {
    say("WARNING: gmmfit was reinstalled during the run; the results mix two builds.")
  }
  progress("report written to ", bench$opt$out)
}

print_header <- function() {
  heading("gmmfit benchmark")
  o <- bench$opt
  say("Date:     ", format(Sys.time(), "%Y-%m-%d %H:%M %Z"))
  say("Options:  ", if (o$quick) "--quick " else "", "reps = ", o$reps,
      ", parts = ", paste(o$parts, collapse = ","), ", loads = ", paste(o$loads, collapse = ","))
  say("Machine:  ", machine_description())
  say("R:        ", R.version.string, "; BLAS ", sessionInfo()$BLAS %||% "unknown")
  bench$gmmfit_build <- gmmfit_build()
  say("gmmfit:   ", bench$gmmfit_build, checkout_commit())
  say("Alternatives:")
}

# Version and build time of the installed gmmfit, read afresh from its
# DESCRIPTION file each time (the package may be reinstalled meanwhile).
gmmfit_build <- function() {
  desc <- tryCatch(read.dcf(system.file("DESCRIPTION", package = "gmmfit"),
                            fields = c("Version", "Built")), error = function(e) NULL)
  if (is.null(desc) || !nrow(desc)) return("not installed")
  built <- trimws(strsplit(desc[1L, "Built"], ";")[[1L]])
  sprintf("%s (installed, built %s)", desc[1L, "Version"], built[3L])
}

# CPU model, number of cores and memory, from /proc where available.
machine_description <- function() {
  cpu <- tryCatch(grep("^model name", readLines("/proc/cpuinfo"), value = TRUE)[1L],
                  error = function(e) NA)
  cpu <- if (is.na(cpu)) Sys.info()[["machine"]] else sub("^[^:]*: *", "", cpu)
  mem <- tryCatch(grep("^MemTotal", readLines("/proc/meminfo"), value = TRUE),
                  error = function(e) character())
  mem <- if (length(mem)) sprintf(", %.0f GB", as.numeric(gsub("[^0-9]", "", mem)) / 2^20) else ""
  sprintf("%s, %d cores%s; %s", cpu, parallel::detectCores(), mem, utils::osVersion)
}

# The commit of the checkout holding bench/, when git is there (read only).
checkout_commit <- function() {
  if (!nzchar(Sys.which("git"))) return("")
  hash <- suppressWarnings(system2("git", c("-C", shQuote(bench$dir), "rev-parse", "--short", "HEAD"),
                                   stdout = TRUE, stderr = FALSE))
  if (length(hash) && is.null(attr(hash, "status"))) paste0("; checkout at commit ", hash[1L]) else ""
}

# The DGEMM rate of the machine, the yardstick of the GFLOP/s column: numpy's
# matrix product when numpy is there, else R's.
measure_dgemm <- function() {
  size <- bench$settings$dgemm_size
  numpy <- !is.na(bench$alt$python$numpy)
  progress(sprintf("DGEMM %d x %d", size, size))
  res <- if (numpy) {
    run_child(bench$alt$python$path, c(file.path(drivers_dir(), "dgemm.py"), kv(size = size)))
  } else {
    run_child(rscript(), c(file.path(drivers_dir(), "dgemm.R"), kv(size = size)))
  }
  out <- list(gflops = if (length(res$dgemm)) res$dgemm[1L] else NA_real_,
              blas = if ("BLAS" %in% names(res$versions)) res$versions[["BLAS"]] else "unknown")
  method <- sprintf("%s of two %d x %d matrices, %d threads allowed",
                    if (numpy) "numpy matmul" else "R's %*%", size, size, bench$settings$threads)
  say("DGEMM:    ", if (is.na(out$gflops)) paste("FAILED", res$error) else
    sprintf("%.2f GFLOP/s (%s)", out$gflops, method))
  say("BLAS:     ", out$blas)
  out
}

main()
