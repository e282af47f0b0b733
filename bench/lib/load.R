# Timing under load: a busy loop that keeps one core spinning while a part
# runs, to show what a second thread is worth when the machine is not idle.
#
# The loop is a bash process that spins and, every few million turns, checks
# that the benchmark (its watcher) is still alive, so it ends by itself if
# the benchmark dies without stopping it. It is also stopped explicitly, on
# error too, by with_load().

# Calls fun(load) once under each load, in order; a list named by load. The
# busy loop's share of a core in these runs is kept for describe_load().
run_under_loads <- function(loads, fun) {
  bench$busy_share <- numeric()
  stats::setNames(lapply(loads, function(load) with_load(load, fun(load))), loads)
}

# Runs `expr` under the load `load` ("quiet": nothing else; "busy": the busy
# loop); the loop is stopped whatever happens.
with_load <- function(load, expr) {
  if (load == "busy") {
    busy <- start_busy_loop()
    on.exit(stop_busy_loop(busy), add = TRUE)
  }
  expr
}

busy_script <- paste(
  "echo $$ > \"$1\"",
  "while kill -0 \"$2\" 2>/dev/null; do",
  "  for ((i = 0; i < 2000000; i++)); do :; done",
  "done", sep = "\n")

# Starts the busy loop; returns its process id and the CPU time it had used
# (so that stop_busy_loop() can say how much of a core it took).
start_busy_loop <- function() {
  pidfile <- tempfile("busy-", tmpdir = bench$work)
  system2("bash", c("-c", shQuote(busy_script), "busy-loop", shQuote(pidfile), Sys.getpid()),
          wait = FALSE)
  pid <- wait_for_pid(pidfile)
  if (is.na(pid)) stop("the busy loop did not start", call. = FALSE)
  bench$busy_pids <- c(bench$busy_pids, pid)
  progress("  busy loop started (process ", pid, ")")
  list(pid = pid, cpu = cpu_seconds(pid), wall = elapsed_now())
}

# The process id the busy loop writes into `pidfile`, waited for up to 5 s.
wait_for_pid <- function(pidfile) {
  for (i in 1:100) {
    pid <- if (file.exists(pidfile)) suppressWarnings(as.integer(readLines(pidfile, warn = FALSE)[1L]))
    if (length(pid) && !is.na(pid)) break
    Sys.sleep(0.05)
  }
  unlink(pidfile)
  if (length(pid)) pid else NA_integer_
}

# Stops the busy loop (TERM, then KILL if it is still there) and records the
# share of a core it used while it ran.
stop_busy_loop <- function(busy) {
  share <- (cpu_seconds(busy$pid) - busy$cpu) / (elapsed_now() - busy$wall)
  tools::pskill(busy$pid, tools::SIGTERM)
  for (i in 1:20) if (process_alive(busy$pid)) Sys.sleep(0.05) else break
  if (process_alive(busy$pid)) tools::pskill(busy$pid, tools::SIGKILL)
  bench$busy_pids <- setdiff(bench$busy_pids, busy$pid)
  bench$busy_share <- c(bench$busy_share, share)
  progress(sprintf("  busy loop stopped (%.0f%% of a core)", 100 * share))
  invisible(share)
}

# Stops every busy loop still running (called when the run ends, however).
stop_all_busy_loops <- function() {
  for (pid in bench$busy_pids) tools::pskill(pid, tools::SIGKILL)
  bench$busy_pids <- integer()
}

process_alive <- function(pid) dir.exists(file.path("/proc", pid))

# User plus system CPU time of a process, in seconds, from /proc/<pid>/stat.
cpu_seconds <- function(pid) {
  stat <- tryCatch(readLines(file.path("/proc", pid, "stat"), warn = FALSE), error = function(e) "")
  fields <- strsplit(sub("^.*\\) ", "", stat), " ", fixed = TRUE)[[1L]]
  if (length(fields) < 13L) return(NA_real_)
  sum(as.numeric(fields[12:13])) / clock_ticks()
}

clock_ticks <- function() {
  hz <- suppressWarnings(as.numeric(system2("getconf", "CLK_TCK", stdout = TRUE, stderr = FALSE)))
  if (length(hz) && !is.na(hz[1L])) hz[1L] else 100
}

elapsed_now <- function() as.numeric(Sys.time())

# The line under a table run under both loads: what "busy" meant.
describe_load <- function(loads) {
  if (!"busy" %in% loads) return(invisible())
  share <- bench$busy_share
  say(sprintf(paste(
    "busy: a bash loop spinning on the CPU during those runs (it used %s of a core; the",
    "machine has %d cores); quiet: nothing else started by the benchmark.", sep = "\n"),
    if (length(share) && all(!is.na(share))) sprintf("%.0f%%", 100 * mean(share)) else "all",
    parallel::detectCores()))
}
