# Output: every line of the report goes to the terminal and to the results
# file; progress messages go to the terminal only (standard error).

report <- new.env()

open_report <- function(path) {
  report$path <- path
  cat("", file = path)
}

# Prints its arguments (pasted together) as lines of the report.
say <- function(...) {
  text <- paste0(...)
  cat(text, "\n", sep = "")
  if (!is.null(report$path)) cat(text, "\n", sep = "", file = report$path, append = TRUE)
}

progress <- function(...) message(format(Sys.time(), "%H:%M:%S "), ...)

heading <- function(title) {
  say("")
  say(title)
  say(strrep("=", nchar(title)))
}

# A data frame of character columns as aligned text: text columns on the
# left, the others (numbers) on the right; a rule under the header.
print_table <- function(df, left = character()) {
  df[] <- lapply(df, as.character)
  cols <- names(df)
  width <- vapply(cols, function(c) max(nchar(c(c, df[[c]]))), integer(1))
  pad <- function(x, c) formatC(x, width = width[[c]], flag = if (c %in% left) "-" else "")
  say(paste(vapply(cols, function(c) pad(c, c), ""), collapse = "  "))
  say(paste(strrep("-", width), collapse = "  "))
  for (i in seq_len(nrow(df))) {
    say(paste(vapply(cols, function(c) pad(df[[c]][i], c), ""), collapse = "  "))
  }
}

# Number formats used in the tables; NA prints as "-".
fmt <- function(x, format) ifelse(is.na(x), "-", sprintf(format, x))
fmt_seconds <- function(x) {
  ifelse(is.na(x), "-", ifelse(x >= 100, sprintf("%.0f", x), sprintf("%.3g", x)))
}
fmt_ratio <- function(x) fmt(x, "%.2f")
fmt_rel <- function(x) ifelse(is.na(x), "-", ifelse(x == 0, "0", sprintf("%.1e", x)))
fmt_mb <- function(x) fmt(x, "%.0f")
fmt_n <- function(x) formatC(x, format = "d", big.mark = ",")

# Relative difference of log-likelihoods against a reference one.
rel_diff <- function(x, ref) abs(x - ref) / abs(ref)

# Log-likelihoods are said to agree when they differ by at most this, relatively.
agree_tol <- 1e-6

`%||%` <- function(a, b) if (is.null(a)) b else a
