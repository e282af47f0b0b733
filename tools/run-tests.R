# Runs the gmmfit test suite against the code in this checkout. From the root
# of the checkout:
#
#   Rscript tools/run-tests.R
#
# gmmfit is installed from the checkout into a temporary library that is put
# first in .libPaths(), so an older installed gmmfit is never the one tested.
# The packages the tests need (testthat, mclust, generics, ...) are first
# installed from CRAN when missing, as tools/quickstart.R installs those
# gmmfit needs to run. Set GMMFIT_EXTENDED=true to run the extended tests as
# well.
#
# The last line printed is the totals, "N passed, N failed", where "failed"
# counts failed expectations and tests that stopped with an error; the line
# before it gives the number of skipped tests.
# The exit status is 1 when anything failed or errored, 0 otherwise.

local({
  args <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  here <- if (length(args)) dirname(sub("^--file=", "", args[1L])) else "tools"
  helpers <- file.path(here, "setup.R")
  if (!file.exists(helpers)) {
    message("Cannot find ", helpers, "; run this script as Rscript tools/run-tests.R ",
            "from the root of the gmmfit checkout.")
    quit(save = "no", status = 1L)
  }
  source(helpers, local = FALSE)
})

totals_line <- function(passed, failed) {
  sprintf("%d passed, %d failed", as.integer(passed), as.integer(failed))
}

run_tests <- function() {
  root <- gmmfit_root()
  test_path <- file.path(root, "tests", "testthat")

  # The packages the tests use (testthat, mclust, ...), if missing.
  gmmfit_install_deps(root, gmmfit_target_library())

  lib <- tempfile("gmmfit-test-lib-")
  dir.create(lib)
  gmmfit_install_checkout(root, lib)
  .libPaths(c(lib, .libPaths()))
  message("Testing gmmfit ", utils::packageVersion("gmmfit", lib.loc = lib),
          " installed from ", root, " into ", lib)
  extended <- Sys.getenv("GMMFIT_EXTENDED")
  message("GMMFIT_EXTENDED=", if (nzchar(extended)) extended else "(unset)",
          if (identical(tolower(extended), "true")) ": extended tests enabled" else "")

  files <- character()
  if (dir.exists(test_path)) files <- list.files(test_path, pattern = "^test.*\\.[rR]$")
  if (!length(files)) {
    message("No test files in ", test_path)
    return(c(passed = 0, failed = 0, skipped = 0))
  }

  # Progress reporter that reports every failure (by default it gives up
  # after 10) and, when the output is not a terminal (a log, a pipe), writes
  # one line per test file instead of spinner updates.
  reporter <- testthat::ProgressReporter$new(
    max_failures = .Machine$integer.max,
    update_interval = if (cli::is_dynamic_tty()) 0.1 else Inf
  )
  # The fuzz tests write their counts here, printed after the run.
  Sys.setenv(GMMFIT_FUZZ_LOG = tempfile("gmmfit-fuzz-", fileext = ".txt"))
  results <- testthat::test_dir(test_path, package = "gmmfit", load_package = "installed",
                                reporter = reporter, stop_on_failure = FALSE,
                                stop_on_warning = FALSE)
  df <- as.data.frame(results)
  c(passed = sum(df$passed),
    failed = sum(df$failed) + sum(df$error),
    skipped = sum(df$skipped))
}

totals <- tryCatch(
  run_tests(),
  error = function(e) {
    message("\nThe test run could not complete: ", conditionMessage(e))
    NULL
  }
)
if (is.null(totals)) {
  # Installing the package or running the suite failed as a whole: count it
  # as one failure so the totals line is still printed.
  cat(totals_line(0, 1), "\n", sep = "")
  quit(save = "no", status = 1L)
}
fuzz_log <- Sys.getenv("GMMFIT_FUZZ_LOG")
if (nzchar(fuzz_log) && file.exists(fuzz_log)) cat("\n", readLines(fuzz_log), sep = "\n")
cat("\n", sprintf("%d skipped\n", as.integer(totals[["skipped"]])),
    totals_line(totals[["passed"]], totals[["failed"]]), "\n", sep = "")
quit(save = "no", status = if (totals[["failed"]] > 0) 1L else 0L)
