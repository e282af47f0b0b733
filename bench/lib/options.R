# Command-line options of the benchmark and the sizes of every part.

usage <- function() {
  cat(paste(
    "Usage: Rscript bench/run.R [options]",
    "",
    "  --quick            smaller data and one repetition: a smoke test of a few minutes",
    "  --only=LIST        parts to run, comma-separated, from A, B, C, D (the data sets",
    "                     of the main table), search (gmm_fit against Mclust),",
    "                     sweep (every covariance structure against mclust), datasets",
    "                     (model search on R's data sets against Mclust) and starts",
    "                     (log-likelihoods reached from each package's starts);",
    "                     default: all of them",
    "  --skip-sweep       leave out the sweep",
    "  --skip-search      leave out gmm_fit against Mclust",
    "  --reps=N           timed runs per measurement, the median is reported",
    "                     (default 3; 1 with --quick)",
    "  --load=LIST        machine loads for the search and datasets parts, from quiet",
    "                     (nothing else running) and busy (a busy loop on one core),",
    "                     reported side by side (default: quiet,busy)",
    "  --tools=LIST       alternatives to run besides gmmfit, from mclust, sklearn,",
    "                     armadillo (default: all that are installed)",
    "  --out=FILE         where the tables are also written",
    "                     (default bench/results-latest.txt)",
    "  --help             this text",
    "",
    "Environment: GMMFIT_BENCH_PYTHON (Python interpreter; default: the first of",
    "/usr/bin/python3 and python3 on the PATH that has scikit-learn), GMMFIT_BENCH_CXX",
    "(C++ compiler, default g++).",
    sep = "\n"), "\n")
}

all_parts <- c("A", "B", "C", "D", "search", "sweep", "datasets", "starts")
all_loads <- c("quiet", "busy")
all_tools <- c("mclust", "sklearn", "armadillo")

parse_options <- function(args, bench_dir) {
  opt <- list(quick = FALSE, parts = all_parts, reps = NULL, tools = all_tools, loads = all_loads,
              out = file.path(bench_dir, "results-latest.txt"))
  for (arg in args) {
    key <- sub("=.*$", "", arg)
    value <- if (grepl("=", arg)) sub("^[^=]*=", "", arg) else NA_character_
    switch(key,
      "--quick" = opt$quick <- TRUE,
      "--only" = opt$parts <- check_choice(split_list(value), all_parts, key),
      "--skip-sweep" = opt$parts <- setdiff(opt$parts, "sweep"),
      "--skip-search" = opt$parts <- setdiff(opt$parts, "search"),
      "--reps" = opt$reps <- check_reps(value),
      "--load" = opt$loads <- all_loads[all_loads %in% check_choice(split_list(value), all_loads, key)],
      "--tools" = opt$tools <- check_choice(split_list(value), all_tools, key),
      "--out" = opt$out <- value,
      "--help" = { usage(); quit(save = "no", status = 0L) },
      { usage(); stop("unknown option ", arg, call. = FALSE) }
    )
  }
  if (is.null(opt$reps)) opt$reps <- if (opt$quick) 1L else 3L
  opt
}

split_list <- function(value) {
  if (is.na(value)) return(character())
  trimws(strsplit(value, ",", fixed = TRUE)[[1L]])
}

check_choice <- function(values, allowed, key) {
  bad <- setdiff(values, allowed)
  if (length(bad) || !length(values)) {
    stop(sprintf("%s takes a comma-separated list from %s", key,
                 paste(allowed, collapse = ", ")), call. = FALSE)
  }
  values
}

check_reps <- function(value) {
  reps <- suppressWarnings(as.integer(value))
  if (is.na(reps) || reps < 1L) stop("--reps takes a positive whole number", call. = FALSE)
  reps
}

# The four data sets of the main table (the --quick sizes are smaller).
# `min_dist` is the separation of the means (see make_truth()); in 50
# dimensions random means are farther apart, so D uses a smaller minimum to
# keep EM from converging to machine precision within 20 iterations.
main_datasets <- function(quick) {
  data.frame(
    name = c("A", "B", "C", "D"),
    n = if (quick) c(1e4, 1e4, 1e5, 2e4) else c(1e5, 1e5, 1e6, 2e5),
    d = c(2L, 10L, 10L, 50L),
    k = c(4L, 8L, 8L, 10L),
    seed = 101:104,
    min_dist = c(3, 3, 3, 2.5),
    stringsAsFactors = FALSE
  )
}

# Everything else that depends on --quick.
bench_settings <- function(quick) {
  list(
    iters = 20L,                       # EM iterations of the main table
    dgemm_size = if (quick) 1000L else 4000L,
    search = list(n = if (quick) 1e4 else 1e5, d = 10L, k = 5L, kmax = 9L,
                  seed = 105L, min_dist = 4),
    sweep = list(n = if (quick) 5e3 else 5e4, k = 4L, iters = 20L,
                 d = c(1L, 2L, 5L, 10L, 20L, 50L, 100L), all_models_to = 20L, seed = 200L),
    threads = 2L,                      # threads of the multi-threaded runs
    datasets = list(data = model_datasets(), kmax = 9L, min_seconds = 0.5),
    starts = list(data = setdiff(model_datasets(), "iris[,3:4]"), k = 2:4, n_init = 10L)
  )
}

# The data sets of R searched by the datasets and starts parts, as the
# expressions that make them (also the names in the tables).
model_datasets <- function() {
  c("iris[,1:4]", "iris[,3:4]", "faithful", "swiss", "USArrests", "trees", "quakes[,1:4]")
}
