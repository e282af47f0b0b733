# Malformed calls (helper-fuzz.R): each must return normally, with only the
# package's own warnings, or stop with an error of class gmm_error that
# names the argument or field at fault. The extended tests run more of them
# in child processes, so that a crash is reported with its call.

fuzz_run <- function(n, seed) {
  cases <- fuzz_cases(n, seed = seed)
  grDevices::pdf(NULL)
  on.exit(grDevices::dev.off(), add = TRUE)
  started <- proc.time()[["elapsed"]]
  res <- lapply(cases, run_fuzz_case)
  list(cases = cases, res = res, seconds = proc.time()[["elapsed"]] - started,
       outcome = vapply(res, `[[`, "", "outcome"))
}

fuzz_summary <- function(run) {
  counts <- table(factor(run$outcome, c("returned", "classed", "other")))
  sprintf("fuzz: %d calls in %.1f s: %d returned, %d classed errors, %d other",
          length(run$cases), run$seconds, counts[["returned"]], counts[["classed"]],
          counts[["other"]])
}

fuzz_failures <- function(run) {
  vapply(which(run$outcome == "other"), function(i) {
    paste0(describe_case(run$cases[[i]]), "\n  -> ", run$res[[i]]$message)
  }, "")
}

# The counts and time go to the file GMMFIT_FUZZ_LOG names, if set
# (tools/run-tests.R prints it after the run).
fuzz_log <- function(line) {
  path <- Sys.getenv("GMMFIT_FUZZ_LOG")
  if (nzchar(path)) cat(line, "\n", file = path, sep = "", append = TRUE)
}

fuzz_main <- fuzz_run(2000L, seed = 1L)
fuzz_log(fuzz_summary(fuzz_main))

test_that("2,000 malformed calls end in a result or a classed error naming the argument", {
  expect_identical(fuzz_failures(fuzz_main), character(0))
  # The generator reaches every kind of outcome it is meant to test.
  expect_gt(sum(fuzz_main$outcome == "classed"), 1000)
  expect_gt(sum(fuzz_main$outcome == "returned"), 100)
})

test_that("the fuzz harness tells a classed error from any other", {
  x <- fuzz_data()
  named <- run_fuzz_case(list(fun = "gmm_fit", args = list(x = x, k = 0L), names = "k"))
  expect_identical(named$outcome, "classed")
  # An error of the package that names another argument does not count.
  elsewhere <- run_fuzz_case(list(fun = "gmm_fit", args = list(x = x, k = 0L), names = "tol"))
  expect_identical(elsewhere$outcome, "other")
  # Nor does an error from base R, or a warning of another class.
  base <- run_fuzz_case(list(fun = "gmm_control", args = list(max_iter = 1L, bogus = 1),
                             names = "bogus"))
  expect_identical(base$outcome, "other")
  expect_match(base$message, "simpleError|unused argument")
  # The package's own warnings are part of a normal return.
  warned <- run_fuzz_case(list(fun = "gmm_fit", names = "control",
                               args = list(x = x, k = 2L, control = gmm_control(max_iter = 1L))))
  expect_identical(warned$outcome, "returned")
})

test_that("8,000 more malformed calls, in child processes, crash nothing", {
  skip_if_not(identical(tolower(Sys.getenv("GMMFIT_EXTENDED")), "true"),
              "extended tests run with GMMFIT_EXTENDED=true")
  helper <- normalizePath(test_path("helper-fuzz.R"))
  rscript <- file.path(R.home("bin"), "Rscript")
  n <- 2000L
  for (seed in 101:104) {
    progress <- tempfile("fuzz-progress-")
    result <- tempfile("fuzz-result-", fileext = ".rds")
    script <- tempfile("fuzz-", fileext = ".R")
    writeLines(c(
      sprintf(".libPaths(%s)", paste(deparse(.libPaths()), collapse = "")),
      "suppressMessages(library(gmmfit))",
      sprintf("source(%s)", deparse(helper)),
      "grDevices::pdf(NULL)",
      sprintf("cases <- fuzz_cases(%dL, seed = %dL)", n, seed),
      "res <- vector('list', length(cases))",
      "started <- proc.time()[['elapsed']]",
      "for (i in seq_along(cases)) {",
      sprintf("  cat(i, '\\n', file = %s)", deparse(progress)),
      "  res[[i]] <- run_fuzz_case(cases[[i]])",
      "}",
      sprintf("saveRDS(list(res = res, seconds = proc.time()[['elapsed']] - started), %s)",
              deparse(result))
    ), script)
    status <- system2(rscript, c("--vanilla", shQuote(script)), stdout = FALSE, stderr = FALSE)
    cases <- fuzz_cases(n, seed = seed)
    if (!file.exists(result)) {
      at <- if (file.exists(progress)) as.integer(readLines(progress, warn = FALSE)[1L]) else NA
      fail(sprintf("the child process of seed %d ended with status %d at call %s: %s", seed,
                   status, at, if (is.na(at)) "(none started)" else describe_case(cases[[at]])))
      next
    }
    out <- readRDS(result)
    run <- list(cases = cases, res = out$res, seconds = out$seconds,
                outcome = vapply(out$res, `[[`, "", "outcome"))
    fuzz_log(paste(fuzz_summary(run), sprintf("(child process, seed %d)", seed)))
    expect_identical(fuzz_failures(run), character(0), info = paste("seed", seed))
    expect_identical(status, 0L)
  }
})
