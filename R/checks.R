# Argument checks. Each raises a classed condition (`gmm_input_error`, a
# subclass of `gmm_error`) whose message names the argument and the problem.

gmm_abort <- function(message, class = "gmm_input_error", ...) {
  cond <- structure(
    class = c(class, "gmm_error", "error", "condition"),
    list(message = message, call = NULL, ...)
  )
  stop(cond)
}

# Warnings are classed too, so callers can act on one kind (a search keeps
# the per-candidate warnings for the model it returns).
gmm_warn <- function(message, class, ...) {
  cond <- structure(
    class = c(class, "gmm_warning", "warning", "condition"),
    list(message = message, call = NULL, ...)
  )
  warning(cond)
}

is_whole <- function(x) {
  is.numeric(x) && all(is.finite(x)) && all(abs(x - round(x)) < 1e-8)
}

# A numeric matrix with column names, or an error. Nothing is dropped: any
# non-numeric column or non-finite value is an error.
check_data <- function(x, arg = "x", min_rows = 1L, allow_na = FALSE) {
  if (!is.null(dim(x)) && length(dim(x)) != 2L) {
    gmm_abort(sprintf("`%s` must be two-dimensional (a matrix or data frame), not an array of %d dimensions.",
                      arg, length(dim(x))))
  }
  if (is.data.frame(x)) {
    bad <- !vapply(x, function(col) is.numeric(col) && !is.factor(col), logical(1))
    if (any(bad)) {
      gmm_abort(sprintf(
        "`%s` must contain only numeric columns; %s %s %s not numeric. Drop or convert %s first.",
        arg, plural("column", sum(bad)), quote_names(names(x)[bad]),
        if (sum(bad) == 1) "is" else "are",
        if (sum(bad) == 1) "it" else "them"
      ))
    }
    x <- numeric_matrix(x)
  } else if (is.null(dim(x)) && is.numeric(x)) {
    x <- matrix(x, ncol = 1L, dimnames = list(names(x), "x"))
  } else if (!(is.matrix(x) && is.numeric(x))) {
    gmm_abort(sprintf(
      "`%s` must be a numeric matrix, a data frame of numeric columns or a numeric vector, not %s.",
      arg, describe(x)
    ))
  }
  if (nrow(x) == 0L || ncol(x) == 0L) {
    gmm_abort(sprintf("`%s` is empty (%d rows, %d columns); it needs at least %d %s and one column.",
                      arg, nrow(x), ncol(x), min_rows, plural("row", min_rows)))
  }
  if (nrow(x) < min_rows) {
    gmm_abort(sprintf("`%s` has %d %s; a mixture needs at least %d rows.",
                      arg, nrow(x), plural("row", nrow(x)), min_rows))
  }
  storage.mode(x) <- "double"
  if (is.null(colnames(x))) {
    colnames(x) <- if (ncol(x) == 1L) "x" else paste0("x", seq_len(ncol(x)))
  }
  check_column_names(colnames(x), arg)
  check_finite(x, arg, allow_na)
  x
}

# A data frame of numeric columns as a matrix: directly when every column is
# a plain vector (as.matrix() costs a search on small data several times
# more), through as.matrix() otherwise (matrix columns, classed columns).
numeric_matrix <- function(x) {
  plain <- vapply(x, function(col) is.null(attributes(col)), logical(1))
  if (!all(plain) || !length(x)) return(as.matrix(x))
  rn <- if (.row_names_info(x) > 0L) row.names(x) else NULL
  matrix(as.double(unlist(x, use.names = FALSE)), nrow = nrow(x),
         dimnames = list(rn, names(x)))
}

# A column with a single value has no variance for a component to estimate.
# New data are matched to a fit's variables by name, so every column needs
# a name of its own.
check_column_names <- function(names, arg) {
  blank <- which(is.na(names) | names == "")
  if (length(blank)) {
    gmm_abort(sprintf(
      "`%s` has %s without a name (%s %s); name every column, or remove all the names (they then become x1, x2, ...).",
      arg, plural("column", length(blank)), plural("column", length(blank)),
      paste(blank, collapse = ", ")))
  }
  if (anyDuplicated(names)) {
    repeated <- unique(names[duplicated(names)])
    gmm_abort(sprintf(
      "`%s` has repeated column names (%s); new data are matched to the variables by name, so give each column its own name (for instance with make.unique()).",
      arg, quote_names(repeated)))
  }
  invisible(names)
}

check_not_constant <- function(x, arg = "x") {
  constant <- cpp_constant_columns(x)
  if (any(constant)) {
    them <- if (sum(constant) == 1L) "it" else "them"
    gmm_abort(sprintf(
      "`%s` has %s %s with a single value, so no variance can be estimated for %s; drop %s.",
      arg, plural("column", sum(constant)), quote_names(colnames(x)[constant]), them, them
    ))
  }
  invisible(x)
}

# Missing values (NA, NaN) are an error unless `allow_na`; infinite ones
# always are.
check_finite <- function(x, arg, allow_na = FALSE) {
  # One pass without allocating: the sum of finite values is finite unless
  # it overflows, and only then (or with a bad value) is each value tested.
  if (is.finite(sum(x))) return(invisible(x))
  bad <- cpp_count_bad(x, allow_na)
  if (bad[[1L]] > 0) {
    first <- c((bad[[2L]] - 1) %% nrow(x) + 1, (bad[[2L]] - 1) %/% nrow(x) + 1)
    what <- if (allow_na) "infinite" else "missing or non-finite"
    gmm_abort(sprintf(
      "`%s` contains %d %s %s (%s); the first is in row %d, column '%s'. %s",
      arg, as.integer(bad[[1L]]), what, plural("value", bad[[1L]]),
      if (allow_na) "Inf" else "NA, NaN or Inf", as.integer(first[[1L]]),
      colnames(x)[first[[2L]]],
      if (arg %in% c("x", "data") && !allow_na)
        "Set `na = \"em\"` to fit them from the observed values of each row, or `na = \"omit\"` to leave out the rows with NA." else
        "Remove or replace them first."
    ))
  }
  invisible(x)
}

check_k <- function(k, n) {
  if (!is.numeric(k) || length(k) == 0L || !is_whole(k) || any(k < 1) || any(k > n)) {
    gmm_abort(sprintf(
      "`k` must be whole numbers between 1 and nrow(x) (%d), not %s.",
      n, describe_value(k)
    ))
  }
  sort(unique(as.integer(round(k))))
}

check_covariance <- function(covariance) {
  if (!is.character(covariance) || length(covariance) == 0L || anyNA(covariance)) {
    gmm_abort(sprintf("`covariance` must be a character vector, not %s.",
                      describe_value(covariance)))
  }
  if (!anyDuplicated(covariance) && all(covariance %in% model_table$name)) return(unname(covariance))
  if ("all" %in% covariance) {
    return(model_table$name[match(model_order(model_table$mclust), model_table$mclust)])
  }
  synonyms <- model_synonyms()
  unknown <- setdiff(covariance, names(synonyms))
  if (length(unknown)) {
    quoted <- function(x) paste0("\"", x, "\"", collapse = ", ")
    sk <- model_table[!is.na(model_table$sklearn), , drop = FALSE]
    gmm_abort(sprintf(
      "`covariance` must be \"all\" or one or more of the models %s (mclust's names) or %s (scikit-learn's, for %s), not %s.",
      quoted(model_order(model_table$mclust)), quoted(sk$sklearn),
      paste(sk$mclust, collapse = ", "), quote_names(unknown)
    ))
  }
  unique(unname(synonyms[covariance]))
}

check_count <- function(x, arg, min = 1L, max = .Machine$integer.max) {
  if (!is.numeric(x) || length(x) != 1L || !is_whole(x) || x < min) {
    gmm_abort(sprintf("`%s` must be a single whole number of at least %d, not %s.",
                      arg, min, describe_value(x)))
  }
  if (x > max) {
    gmm_abort(sprintf("`%s` must be at most %s, not %s.", arg,
                      format(max, big.mark = ","), format(x, big.mark = ",", scientific = FALSE)))
  }
  as.integer(round(x))
}

# A `digits` argument of a print method, as print() itself accepts it.
check_digits <- function(digits) {
  if (!is.numeric(digits) || length(digits) != 1L || !is_whole(digits) ||
      digits < 1 || digits > 15) {
    gmm_abort(sprintf("`digits` must be a whole number from 1 to 15, not %s.",
                      describe_value(digits)))
  }
  as.integer(digits)
}

check_number <- function(x, arg, min = 0) {
  if (!is.numeric(x) || length(x) != 1L || !is.finite(x) || x < min) {
    gmm_abort(sprintf("`%s` must be a single finite number of at least %s, not %s.",
                      arg, format(min), describe_value(x)))
  }
  as.double(x)
}

# One of `choices`; the first when `x` is the whole default vector.
check_choice <- function(x, choices, arg, partial = FALSE) {
  if (identical(x, choices)) return(choices[[1L]])
  # (Where base R methods take a unique abbreviation, as match.arg() does.)
  if (partial && is.character(x) && length(x) == 1L && !is.na(x) && nzchar(x)) {
    i <- pmatch(x, choices)
    if (!is.na(i)) return(choices[[i]])
  }
  if (!is.character(x) || length(x) != 1L || is.na(x) || !x %in% choices) {
    quoted <- paste0("\"", choices, "\"")
    listed <- if (length(quoted) == 1L) quoted else
      paste(paste(quoted[-length(quoted)], collapse = ", "), "or", quoted[length(quoted)])
    gmm_abort(sprintf("`%s` must be one of %s, not %s.", arg, listed, describe_value(x)))
  }
  x
}

check_flag <- function(x, arg) {
  if (!is.logical(x) || length(x) != 1L || is.na(x)) {
    gmm_abort(sprintf("`%s` must be TRUE or FALSE, not %s.", arg, describe_value(x)))
  }
  x
}

# Columns of `newdata` matching the fitted variables, by name where possible.
check_newdata <- function(newdata, vars) {
  if (is.null(dim(newdata)) && is.numeric(newdata)) {
    if (length(vars) > 1L) {
      gmm_abort(sprintf(
        "`newdata` is a vector, but the model has %d variables (%s); give a matrix or data frame with those columns (for one observation, `matrix(values, nrow = 1)`).",
        length(vars), quote_names(vars)
      ))
    }
    newdata <- matrix(newdata, ncol = 1L, dimnames = list(names(newdata), vars))
  }
  if (is.data.frame(newdata) || is.matrix(newdata)) {
    nms <- colnames(newdata)
    if (!is.null(nms)) {
      repeated <- unique(nms[duplicated(nms) & nms %in% vars])
      if (length(repeated)) {
        gmm_abort(sprintf(
          "`newdata` has repeated column names (%s); columns are matched to the model's variables by name, so each may appear once.",
          quote_names(repeated)))
      }
      missing <- setdiff(vars, nms)
      if (length(missing)) {
        gmm_abort(sprintf("`newdata` lacks the %s %s the model was fitted on.",
                          plural("column", length(missing)), quote_names(missing)))
      }
      newdata <- newdata[, vars, drop = FALSE]
    } else if (ncol(newdata) != length(vars)) {
      gmm_abort(sprintf(
        "`newdata` has %d columns and no names, but the model was fitted on %d (%s).",
        ncol(newdata), length(vars), quote_names(vars)
      ))
    } else {
      colnames(newdata) <- vars
    }
  }
  newdata <- check_data(newdata, "newdata", allow_na = TRUE)
  if (ncol(newdata) != length(vars)) {
    gmm_abort(sprintf("`newdata` has %d columns, but the model was fitted on %d (%s).",
                      ncol(newdata), length(vars), quote_names(vars)))
  }
  newdata
}

# ---- message helpers -------------------------------------------------------

plural <- function(word, n) if (n == 1) word else paste0(word, "s")

quote_names <- function(x, max = 5L) {
  shown <- paste0("'", utils::head(x, max), "'", collapse = ", ")
  if (length(x) > max) paste0(shown, ", ...") else shown
}

describe <- function(x) {
  if (is.null(x)) return("NULL")
  cls <- class(x)[1L]
  if (!is.null(dim(x)) && !is.data.frame(x)) {
    return(sprintf("a %s %s of dimensions %s", typeof(x), if (is.matrix(x)) "matrix" else "array",
                   paste(dim(x), collapse = " x ")))
  }
  if (is.atomic(x)) {
    type <- if (is.factor(x)) "factor" else paste(typeof(x), "vector")
    return(sprintf("%s %s", if (grepl("^[aeiou]", type)) "an" else "a", type))
  }
  sprintf("an object of class '%s'", cls)
}

describe_value <- function(x) {
  if (is.null(x)) return("NULL")
  if (is.numeric(x) && length(x) >= 1L && length(x) <= 10L && is.null(dim(x))) {
    return(paste(format(x, trim = TRUE), collapse = ", "))
  }
  if (is.atomic(x) && length(x) >= 1L && length(x) <= 5L) {
    return(paste(deparse(x, width.cutoff = 60L), collapse = ""))
  }
  if (is.atomic(x)) return(sprintf("a %s vector of length %d", typeof(x), length(x)))
  describe(x)
}
