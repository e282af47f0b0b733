#' Fit a Gaussian mixture model by EM
#'
#' Fits a finite mixture of multivariate normal distributions by the
#' expectation-maximisation algorithm, with a multi-threaded C++ engine. When
#' several numbers of components `k` or covariance structures are given, each
#' combination is fitted and the best by BIC (or ICL) is returned, with the
#' whole comparison in `$search`.
#'
#' @section Covariance structures:
#' The models of mclust (Celeux and Govaert 1995): each component's
#' covariance is \eqn{\lambda_j D_j A_j D_j^T}, its volume
#' \eqn{\lambda_j}, shape \eqn{A_j} (diagonal, determinant 1) and orientation
#' \eqn{D_j}, and the three letters of a model's name say whether each is
#' equal across components (E), varies (V) or is the identity (I: round or
#' axis-aligned components). Four have scikit-learn's names, which gmmfit
#' uses for them (`fit$covariance`):
#' \describe{
#'   \item{`"full"` (mclust `"VVV"`)}{each component has its own unrestricted covariance;}
#'   \item{`"tied"` (`"EEE"`)}{all components share one unrestricted covariance;}
#'   \item{`"diag"` (`"VVI"`)}{each component has its own diagonal covariance;}
#'   \item{`"spherical"` (`"VII"`)}{each component has its own variance, the same in every direction;}
#'   \item{`"EII"`}{one variance, the same in every direction, for all components;}
#'   \item{`"EEI"`}{one diagonal covariance for all components;}
#'   \item{`"VEI"`, `"EVI"`}{diagonal, with equal shapes and volumes that differ, or the reverse;}
#'   \item{`"VEE"`}{equal shape and orientation, volumes that differ;}
#'   \item{`"EEV"`, `"VEV"`}{equal shape, orientations that differ, with equal or varying volumes;}
#'   \item{`"EVV"`}{equal volume, shapes and orientations that differ;}
#'   \item{`"EVE"`, `"VVE"`}{one orientation, shapes that differ, with equal or varying volumes.}
#' }
#' `covariance = "all"` searches all fourteen; with one variable, where they
#' reduce to two (mclust's E and V: equal variances, or one per component),
#' it searches `"tied"` and `"full"`. The M-steps are the
#' closed-form ones of Celeux and Govaert (1995), except for five that
#' iterate until the M-step's objective changes by less than 1e-12
#' relatively (at most 100 rounds; a round that stops early still raises
#' the likelihood), each from the previous EM iteration's parameters: VEI,
#' VEE and VEV update their volumes and common shape (or common matrix) in
#' turn; EVE and VVE alternate their volumes and
#' shapes with a sweep of plane rotations of the common orientation, each
#' the best for its plane (the Jacobi-type scheme of Flury and Gautschi
#' 1986), starting from the orientation of the previous EM iteration. (The
#' majorisation-minimisation steps of Browne and McNicholas 2014 reach the
#' same optimum, about twenty times more slowly per EM iteration in our
#' measurements.) mclust's own VVE M-step can stop short of its maximum
#' (the tests find one lower than gmmfit's, which a general optimiser
#' confirms), so from the same start the two may reach different VVE fits.
#' With `reg`,
#' each component's scatter is regularised before the model's constraints
#' are applied, so the covariances still follow them.
#'
#' @section Starting points:
#' For each `k`, starting partitions are drawn once and every covariance
#' structure starts from the same ones. Each start runs `init_iter` EM
#' iterations (see [gmm_control()]); the one with the highest
#' log-likelihood is then run to convergence (the "short runs" strategy of
#' Biernacki, Celeux and Govaert, 2003). A start that trails it by less
#' than `init_margin` (a setting of [gmm_control()], default 1) after those
#' iterations may still end higher, so such starts are carried on too, best
#' first, each only as long as Aitken's extrapolation of its log-likelihood
#' reaches past the best fit so far; the fit is the highest one (a start
#' that ends higher by less than the convergence tolerance's worth does not
#' replace the first). The methods:
#' \describe{
#'   \item{`"hc"`}{model-based agglomerative hierarchical clustering
#'     (Banfield and Raftery, 1993; Fraley, 1998) with unrestricted
#'     covariances on the standardised, decorrelated data, the tree cut at
#'     `k`: mclust's default start, with the same partitions as
#'     `mclust::hc()`. It is deterministic, so it gives one start.}
#'   \item{`"kmeans++"`}{k-means++ seeding and Lloyd iterations on the
#'     standardised data; the third, fifth, ... k-means++ start of a `k`
#'     instead on the decorrelated coordinates the hierarchical start uses,
#'     which lead to other optima (more often the best one for some
#'     `"full"` and `"tied"` fits, less often for `"diag"` and
#'     `"spherical"` ones). From the second k-means++ start of a `k` on,
#'     each coordinate is multiplied by an independent exponential(1)
#'     weight, so that starts also separate the groups that show in a few
#'     variables only. None of this depends on the units of the columns;}
#'   \item{`"random"`}{a random partition;}
#'   \item{`"random_from_data"`}{k random observations as centres, each row
#'     in the group of the nearest (standardised distance).}
#' }
#' The default, `c("hc", "kmeans++")` with `n_init = 3`, uses the
#' hierarchical start and two k-means++ starts: the hierarchical start finds the clusters
#' of most real data sets (as in mclust) and the k-means++ starts cover the
#' cases where it does not. Several random methods are used in turn. With
#' more than `init_sample` rows, starts are drawn and their short runs made
#' on a random subsample of that many rows (as mclust does for its
#' hierarchical start), and only the best start runs on all rows (no other
#' is carried on, whatever `init_margin`).
#'
#' `init` may also be a vector of labels (one per row), to start from that
#' partition, or a list with `weights`, `means` (k x d) and `covariances`
#' (d x d x k), to start from those parameters (for a restricted structure
#' the covariances are first reduced to it: their diagonals for `"diag"`,
#' the mean variance for `"spherical"`, the weight-averaged matrix for
#' `"tied"`). A user start is run once and fixes `k`. Starts use R's random
#' number generator, so [set.seed()] makes fits reproducible.
#'
#' @section Choosing the model:
#' Here BIC is \eqn{-2 \log L + p \log n}: lower is better, as for
#' [stats::BIC()]. mclust reports \eqn{2 \log L - p \log n}, the same number
#' with the opposite sign, and picks the largest. ICL (Biernacki, Celeux and
#' Govaert, 2000) adds twice the entropy of the posterior probabilities,
#' \eqn{-2 \sum_i \sum_j z_{ij} \log z_{ij}}, to BIC, and so prefers
#' well-separated clusters; `criterion = "icl"` chooses by it. (mclust's
#' `icl()` uses the hard classification instead of the posterior
#' probabilities.)
#'
#' @section Tied and rounded data:
#' A component whose observations share one value in some direction (rounded
#' measurements, fewer distinct points than dimensions) has zero variance
#' there, and its likelihood grows without bound; only `reg` keeps it
#' finite, so its log-likelihood and BIC are inflated and mean little. The
#' same holds, before it gets there, for a component collapsing onto a few
#' rows (a component with little more rows than variables, especially when
#' some of their values are missing). A component counts as flat when, in
#' units of each variable's variance, its smallest variance in any direction
#' is within 1e-5 of what `reg` adds (a standard deviation of about 0.3% of
#' the variables'). Such a
#' candidate is marked `degenerate` in the search table, keeps its
#' log-likelihood, BIC and ICL there, and is not chosen: the best
#' non-degenerate candidate is returned. (mclust gives such models no BIC at
#' all.) In a search, EM is stopped once a component has stayed flat for
#' five iterations (such a candidate shows `converged = FALSE`), and among a
#' candidate's starts one that ends its short run without a flat component
#' is preferred to a flat one whatever their log-likelihoods, so that more
#' candidates are eligible. When every candidate is degenerate, the best of them is returned
#' with a warning; a single fit that is degenerate warns too, and lists the
#' components in `$degenerate`.
#'
#' @section Units:
#' The fit does not depend on the units or the origin of the variables:
#' starts are drawn on standardised (for some, also decorrelated) data,
#' `reg` is relative to each variable's variance and convergence is judged
#' on the standardised scale.
#' Rescaling or shifting a column gives the same classification and a
#' log-likelihood changed only by the log Jacobian (for `"spherical"`, whose
#' components are round in the units given, this holds when all columns are
#' rescaled alike).
#'
#' @section Missing values:
#' With `na = "em"`, rows with missing values (`NA`) are fitted with every
#' value they have, under the assumption that values are missing at random:
#' the E-step gives each row its posterior probabilities from the marginal
#' density of its observed variables, and the M-step replaces each missing
#' value by its conditional expectation given the row's observed values,
#' adding the conditional covariance to the scatter (Ghahramani and Jordan
#' 1994; McLachlan and Krishnan 2008, chapter 2). Rows are grouped by their
#' pattern of missing variables, so each pattern's factors are computed once
#' per iteration. This holds for every covariance model (the model's M-step
#' takes the completed scatter as it takes a complete one). `loglik` is the
#' observed-data log-likelihood, which EM never decreases; `df` and BIC are
#' those of complete data with `n` rows, as in the literature. Starts are
#' drawn on the data with each missing value replaced by its column's mean;
#' EM then uses only the observed values. [predict.gmmfit()] classifies rows
#' with missing values from their observed values, and `type = "impute"`
#' fills them in with their conditional means.
#'
#' The default, `na = "fail"`, keeps missing values an error that names the
#' first one: a fit that quietly handled them would hide from the analyst
#' that the data had holes, and missing at random is an assumption to make
#' knowingly. `na = "omit"` fits the complete rows only (as
#' `na.action = na.omit`); that loses information, and biases the fit when
#' the values are missing at random but not completely at random. (mclust
#' and scikit-learn refuse missing values.)
#'
#' @section Data in chunks:
#' Data too large for memory, or already spread over files or machines, can
#' be fitted in chunks: give `x` as [gmm_chunks()] (a list of matrices or
#' data frames, files with a function that reads one, or a function that
#' returns chunk `i`), or as a list of matrices. EM needs only sums over the
#' rows ([gmm_stats()]), so each iteration passes over the chunks once,
#' reading one at a time, and adds up their sufficient statistics in chunk
#' order; the memory used is that of one chunk plus a few k x d x d sums,
#' never an n x k matrix of posteriors. Every candidate of a search is
#' iterated in the same passes, so a chunk is read once per iteration
#' whatever the number of candidates.
#'
#' A first pass reads every chunk to check its columns (the same number and
#' names in every chunk) and values, and to compute the column means and
#' variances; starts are then drawn, and their short runs made, on a random
#' subsample of `init_sample` rows (see Starting points), gathered from the
#' chunks, and the best start of each candidate runs to convergence on all
#' rows. The subsample is drawn as for data held in memory, so with the same
#' seed a fit on the chunks gives the fit of the rows bound together
#' (`do.call(rbind, chunks)`), up to rounding (1e-10 relative in the
#' log-likelihood, the same classification); when all rows fit in the
#' subsample they are fitted in memory. Missing values follow `na` chunk by
#' chunk; case weights are a column of the chunks, named by `case_weights`.
#' `prior`, `init` as a partition and `keep_path` are not available.
#'
#' With `cluster`, each worker reads its share of the chunks once and keeps
#' it (chunks 1 to m on the first worker, and so on); each iteration sends
#' the parameters to the workers and brings back each chunk's statistics,
#' which are added up in chunk order, so the result is the same whatever
#' the number of workers. Workers need gmmfit installed; files are read
#' where the workers run. Each worker computes with `n_threads` threads (1
#' unless given). [gmm_cluster()] starts a cluster whose messages are not
#' held back by the operating system (see there for clusters across
#' machines). A chunk that cannot be read, or a worker that stops, ends the
#' fit with an error that names the chunk or the worker and its chunks; the
#' other workers are left ready for the next call, and so they are after an
#' interrupt.
#'
#' The fit keeps no data and no posteriors: `print()`, `summary()`,
#' `BIC()`, `simulate()` and `coef()` work as for any fit, and
#' `predict(fit, newdata = chunks)` and `logLik(fit, newdata = chunks)`
#' work chunk by chunk; `fit$source` says what the fit was made on.
#'
#' @section Case weights:
#' `case_weights` gives each row a non-negative weight: EM then maximises
#' \eqn{\sum_i w_i \log f(x_i)}, so that a row of weight 2 counts as two
#' identical rows (whole weights give exactly the fit of the data with the
#' rows repeated, from the same start), and a row of weight 0 is left out of
#' the fit (it is still classified). The log-likelihood, BIC, AIC and ICL
#' are weighted, and `n` (so `nobs()` and the \eqn{\log n} of BIC) is the sum
#' of the weights, as for frequency weights (counts of identical
#' observations). For importance or sampling weights, whose scale is
#' arbitrary, rescale them to sum to the number of rows (`w / mean(w)`), so
#' that BIC penalises as for that many observations. The starts use the
#' weights too: k-means++ draws its centres with probability proportional to
#' weight times squared distance and weights the Lloyd means, random centres
#' are drawn in proportion to the weights, and the hierarchical start leaves
#' out rows of weight zero (it merges the others unweighted). The variable
#' scales that make the fit unit-free are weighted variances (divisor: sum
#' of the weights less one).
#'
#' @param x A numeric matrix, a data frame of numeric columns, or a numeric
#'   vector (one variable); or data in chunks, from [gmm_chunks()] or as a
#'   list of matrices or data frames (see Data in chunks). Rows are
#'   observations. Missing values are an
#'   error unless `na` says otherwise; infinite values always are, and so are
#'   columns without a name or with a repeated name
#'   (new data are matched to the variables by name); a matrix without column
#'   names gets `x1`, `x2`, ...
#' @param k Number of components, or a vector of candidates (default `1:9`,
#'   or up to the number of rows when there are fewer).
#' @param equal_weights If `TRUE`, the mixing weights are held equal (1/k),
#'   as mclust's `equalPro`; the k - 1 weights are then not counted in
#'   `df`.
#' @param prior `NULL` (the default) for maximum-likelihood estimates, or a
#'   conjugate prior made by [gmm_prior()] (`TRUE` for its defaults, those
#'   of mclust's `priorControl()`) for maximum a posteriori estimates: the
#'   prior keeps covariances from collapsing onto tied values or a few
#'   points. `loglik`, BIC, AIC and ICL are then those of the MAP
#'   estimates, as in mclust, and `trace` holds the log-likelihood plus the
#'   log-prior, which EM increases.
#' @param covariance Covariance model(s) (see "Covariance structures"): mclust's
#'   names (`"EII"`, `"VII"`, `"EEI"`, `"VEI"`, `"EVI"`, `"VVI"`, `"EEE"`,
#'   `"VEE"`, `"EVE"`, `"VVE"`, `"EEV"`, `"VEV"`, `"EVV"`, `"VVV"`),
#'   scikit-learn's for four of them (`"full"`, `"tied"`, `"diag"`,
#'   `"spherical"`), or `"all"`.
#'   Several are searched together with `k`.
#' @param init Starting methods, one or more of `"hc"`, `"kmeans++"`,
#'   `"random"`, `"random_from_data"` (default `c("hc", "kmeans++")`); or a
#'   vector of starting labels, or a list of parameters (see Starting
#'   points).
#' @param n_init Number of starts per `k` (the hierarchical start counts as
#'   one); the best after the short runs is carried on, with those within
#'   `init_margin` of it (see Starting points).
#' @param criterion `"bic"` (default), `"icl"` or `"aic"`: what a search
#'   minimises (AIC, \eqn{-2 \log L + 2 p}, penalises parameters less than
#'   BIC and tends to choose more components).
#' @param control EM settings made by [gmm_control()].
#' @param n_threads Number of threads; overrides `control$n_threads` when given.
#' @param verbose If `TRUE`, report the progress of each candidate.
#' @param data With a formula `x` (`~ a + b`, no response), the data frame
#'   its variables come from (terms may transform them: `~ log(a) + b`).
#' @param na What to do with missing values (`NA`) in `x`: `"fail"` (the
#'   default) makes them an error that names the first one, `"omit"` fits
#'   the rows without missing values (as `na.action = na.omit`), and `"em"`
#'   fits every row with the values it has (see Missing values). A row with
#'   every value missing is an error.
#' @param case_weights `NULL`, or one non-negative finite weight per row of
#'   the data (before any rows are left out for missing values), not all
#'   zero: how many times each row counts (see Case weights). Not to be
#'   confused with the mixing weights, `fit$weights`. With data in chunks,
#'   the name of the chunks' column that holds them.
#' @param cluster `NULL`, or a cluster from the `parallel` package
#'   ([gmm_cluster()], [parallel::makeCluster()]) to fit data in chunks on
#'   its workers (see Data in chunks).
#' @param na.action What to do with rows that have missing values: `NULL`
#'   (the default) makes them an error that names the columns, as does
#'   [stats::na.fail()]; [stats::na.omit()] or [stats::na.exclude()] fits the
#'   complete rows, and the fit's `na.action` records the rows left out
#'   (`n`, `posterior` and `classification` cover the rows used).
#' @return An object of class `"gmmfit"`: a list with `weights`, `means` (k x d),
#'   `covariances` (d x d x k), `covariance` (the structure), `loglik`, `df`
#'   (number of free parameters), `bic`, `aic`, `icl`, `n`, `n_iter`, `converged`,
#'   `trace` (log-likelihood at each iteration), `posterior` (n x k),
#'   `classification`, `data`, `control`, `call` (so that [stats::update()]
#'   refits with changed arguments), with case weights `case_weights` (then
#'   `n` is their sum), with `na = "em"` and missing values `n_missing` (how
#'   many), for data in chunks `source` (the kind of source, the chunks'
#'   rows, the files, where they were read, and `timing`: the passes over
#'   the chunks and their seconds in all, reading chunks, computing the
#'   statistics and, on a cluster, exchanging parameters and sums; `data`, `posterior` and
#'   `classification` are then absent), with a prior `prior` (its values for
#'   the fitted k) and `log_prior`, for the models whose M-step iterates
#'   `inner_iter` (the inner rounds of each EM iteration's M-step, beside
#'   `trace`), `degenerate` (the
#'   components lying on tied values), `reg` (what was added to the diagonal
#'   of the covariances), and `search` (a data frame with a row per
#'   candidate: `k`, `covariance`, `loglik`, `df`, `bic`, `aic`, `icl`, `converged`,
#'   `n_iter`, `degenerate`, `error`; see Choosing the model; `NULL` when only one was fitted). Components are
#'   ordered by decreasing weight.
#' @references
#' Banfield, J. D. and Raftery, A. E. (1993). Model-based Gaussian and
#' non-Gaussian clustering. *Biometrics* 49, 803--821.
#'
#' Biernacki, C., Celeux, G. and Govaert, G. (2000). Assessing a mixture
#' model for clustering with the integrated completed likelihood. *IEEE
#' Transactions on Pattern Analysis and Machine Intelligence* 22, 719--725.
#'
#' Biernacki, C., Celeux, G. and Govaert, G. (2003). Choosing starting
#' values for the EM algorithm for getting the highest likelihood in
#' multivariate Gaussian mixture models. *Computational Statistics and Data
#' Analysis* 41, 561--575.
#'
#' Ghahramani, Z. and Jordan, M. I. (1994). Supervised learning from
#' incomplete data via an EM approach. *Advances in Neural Information
#' Processing Systems* 6, 120--127.
#'
#' McLachlan, G. J. and Krishnan, T. (2008). *The EM Algorithm and
#' Extensions*, 2nd edition. Wiley.
#'
#' Fraley, C. (1998). Algorithms for model-based Gaussian hierarchical
#' clustering. *SIAM Journal on Scientific Computing* 20, 270--281.
#' @seealso [predict.gmmfit()], [simulate.gmmfit()], [plot.gmmfit()], [gmm_control()]
#' @examples
#' fit <- gmm_fit(iris[, 3:4], k = 3)
#' fit
#' table(predict(fit), iris$Species)
#'
#' # choose k and the covariance structure by BIC
#' fit2 <- gmm_fit(faithful, k = 1:4, covariance = c("full", "diag"))
#' fit2$search
#'
#' # a formula picks (and may transform) the variables of a data frame
#' fit3 <- gmm_fit(~ Petal.Length + Petal.Width, data = iris, k = 3)
#' head(predict(fit3, iris))
#' # rows with missing values left out
#' fit4 <- gmm_fit(~ Ozone + Temp, data = airquality, k = 2, na.action = na.omit)
#' length(fit4$na.action)
#' # or fitted with the values they have
#' fit6 <- gmm_fit(~ Ozone + Temp, data = airquality, k = 2, na = "em")
#' fit6$n_missing
#'
#' # case weights: counts of identical rows
#' tab <- as.data.frame(table(waiting = faithful$waiting))
#' tab$waiting <- as.numeric(as.character(tab$waiting))
#' fit7 <- gmm_fit(tab["waiting"], k = 2, case_weights = tab$Freq)
#' fit7$means
#'
#' # data in chunks: a list of matrices, files (gmm_chunks()) or a cluster
#' halves <- list(as.matrix(faithful[1:136, ]), as.matrix(faithful[137:272, ]))
#' fit8 <- gmm_fit(halves, k = 2)
#' fit8
#'
#' # refit with other arguments: update() re-evaluates the call
#' fit5 <- update(fit, k = 2, covariance = "diag")
#' fit5$covariance
#' @export
gmm_fit <- function(x, k = 1:9, covariance = "full", init = c("hc", "kmeans++"),
                    n_init = 3L, criterion = c("bic", "icl", "aic"), control = gmm_control(),
                    n_threads = NULL, verbose = FALSE, data = NULL, na.action = NULL,
                    equal_weights = FALSE, prior = NULL, na = c("fail", "omit", "em"),
                    case_weights = NULL, cluster = NULL) {
  call <- match.call()
  if (missing(x)) gmm_abort("`x` is missing: give the data to fit (a numeric matrix, a data frame of numeric columns or a numeric vector).")
  na <- check_choice(na, c("fail", "omit", "em"), "na")
  chunks <- as_chunks(x)
  if (!is.null(chunks) || !is.null(cluster)) {
    fit <- fit_chunk_source(chunks, cluster, list(
      k = k, k_missing = missing(k), covariance = covariance, init = init, n_init = n_init,
      criterion = criterion, control = control, n_threads = n_threads, verbose = verbose,
      data = data, na.action = na.action, equal_weights = equal_weights, prior = prior,
      na = na, case_weights = case_weights))
    fit$call <- call
    return(fit)
  }
  na.action <- resolve_na(na, na.action)
  terms <- NULL
  if (inherits(x, "formula")) {
    frame <- formula_frame(x, data, na.action, allow_na = na == "em")
    x <- frame$x
    terms <- frame$terms
  } else {
    if (!is.null(data)) gmm_abort("`data` is used only with a formula `x` (`~ a + b`).")
    x <- apply_na_action(name_vector(x, substitute(x)), na.action)
  }
  omitted <- attr(x, "na.action")
  x <- check_data(x, min_rows = 2L, allow_na = na == "em")
  case_weights <- check_case_weights(case_weights, nrow(x) + length(omitted))
  if (!is.null(omitted) && !is.null(case_weights)) case_weights <- case_weights[-omitted]
  layout <- missing_layout(x)
  if (is.null(layout$order)) check_not_constant(x) else check_observed(x, layout)
  if (!is.null(case_weights) && sum(case_weights > 0) < 2L) {
    gmm_abort("`case_weights` must be positive for at least two rows.")
  }
  fd <- fit_data(x, case_weights, layout)
  init <- check_init(init, x)
  if (init$type == "partition" && !is.null(fd$ord)) init$labels <- init$labels[fd$ord]
  k <- if (missing(k)) default_k(init, nrow(x)) else check_k(k, nrow(x))
  k <- check_k_for_init(init, k, missing(k))
  if (!is.null(case_weights) && max(k) > sum(case_weights > 0)) {
    gmm_abort(sprintf("`k` must be at most the number of rows with a positive case weight (%d), not %d.",
                      sum(case_weights > 0), max(k)))
  }
  all_models <- is.character(covariance) && "all" %in% covariance
  covariance <- check_covariance(covariance)
  # With one variable the fourteen models are two: equal variances
  # (mclust's E) and varying ones (V).
  if (all_models && ncol(x) == 1L) covariance <- c("tied", "full")
  n_init <- check_n_init(n_init, init, !missing(n_init))
  criterion <- check_choice(criterion, c("bic", "icl", "aic"), "criterion")
  control <- resolve_control(control, n_threads)
  control$equal_weights <- check_flag(equal_weights, "equal_weights")
  control$prior <- check_prior(prior)
  verbose <- check_flag(verbose, "verbose")

  plan <- data_start_plan(fd, k, init, n_init, control,
                          column_scaling(fd$xe, fd$w, fd$moments))
  grid <- fit_grid(fd, k, covariance, plan, control, verbose)
  table <- search_table(grid, fd$n_obs, ncol(x), control$equal_weights)
  if (verbose && nrow(table) > 1L) report_candidates(table)
  fit <- if (nrow(table) == 1L) {
    single_fit(candidate(grid, 1L), fd, plan, control)
  } else {
    chosen_fit(grid, table, criterion, fd, plan, control)
  }
  fit$call <- call
  if (!is.null(terms)) fit$terms <- terms
  if (!is.null(omitted)) fit$na.action <- omitted
  fit
}

# The data of a formula: a numeric matrix with a column per term, and the
# terms (without environment-dependent response) that predict() applies to
# new data.
formula_frame <- function(formula, data, na.action, allow_na = FALSE) {
  if (length(formula) != 2L) {
    gmm_abort("`x` as a formula has no response: write the variables on the right, as in `~ a + b`.")
  }
  if (!is.null(data) && !is.data.frame(data) && !is.list(data)) {
    gmm_abort(sprintf("`data` must be a data frame, not %s.", describe(data)))
  }
  frame <- tryCatch(
    stats::model.frame(formula, data = data, na.action = na.action %||% stats::na.pass),
    error = function(e) {
      gmm_abort(sprintf("The formula `x` could not be evaluated in `data`: %s",
                        conditionMessage(e)))
    })
  terms <- stats::delete.response(stats::terms(frame))
  omitted <- attr(frame, "na.action")
  attr(frame, "terms") <- NULL
  attr(frame, "na.action") <- NULL
  x <- check_data(frame, arg = "data", allow_na = allow_na)
  if (!is.null(omitted)) attr(x, "na.action") <- omitted
  list(x = x, terms = terms)
}

# The rows of a matrix or data frame that a user's na.action keeps (NULL:
# all, missing values then being an error of check_data()).
apply_na_action <- function(x, na.action) {
  if (is.null(na.action)) return(x)
  if (is.character(na.action) && length(na.action) == 1L) {
    na.action <- tryCatch(match.fun(na.action), error = function(e) NULL)
  }
  if (!is.function(na.action)) {
    gmm_abort(sprintf("`na.action` must be NULL or a function such as na.omit, not %s.",
                      describe_value(na.action)))
  }
  if (!is.data.frame(x) && !is.matrix(x)) return(x)
  kept <- tryCatch(na.action(x), error = function(e) {
    gmm_abort(sprintf("`na.action` stopped: %s", conditionMessage(e)))
  })
  kept
}

default_k <- function(init, n) {
  if (init$type == "methods") seq_len(min(9L, n)) else init$k
}

check_n_init <- function(n_init, init, given) {
  n_init <- check_count(n_init, "n_init")
  if (init$type == "methods") return(n_init)
  if (given && n_init > 1L) {
    gmm_warn("`n_init` is ignored: a user-supplied start is run once.", "gmm_n_init_warning")
  }
  1L
}

# Every (k, structure) candidate: list(fits, summary, error, k, covariance),
# where `fits` holds what the engine returns for each (parameters and
# summaries, or an error) and `summary` and `error` the search table's
# columns from them (cpp_fit_grid()), in the order of the search table: k
# varies fastest within each structure. In a search, a run whose component has been
# flat for `flat_patience` iterations in a row is stopped there (it cannot be
# chosen), and among the starts of a candidate one without a flat component
# is preferred. The starts of every k are drawn first, k by
# k, and the engine fits all candidates in one call (a user's parameter
# start is first reduced to each structure, so one call each).
fit_grid <- function(fd, ks, covariances, plan, control, verbose) {
  x <- fd$xe
  starts <- draw_all_starts(plan, ks)
  if (verbose) report_starts(ks, covariances, starts)
  # For k = 1 one short iteration: with one component EM is done after one
  # step.
  engine_control <- if (length(ks) * length(covariances) > 1L) {
    c(control, list(flat_patience = flat_patience, flat_tol = flat_tolerance))
  } else {
    control
  }
  # A prior's values for each k (its default scale depends on k).
  engine_control$prior <- NULL
  if (!is.null(control$prior)) {
    moments <- data_moments(fd)
    engine_control$priors <- lapply(ks, function(k) prior_values(control$prior, x, k, moments))
  }
  engine <- function(covs, starts) {
    cpp_fit_grid(x, plan$x_init, is.null(plan$rows), ks, starts,
                 lapply(starts, attr, "random"), covariance_code(covs), engine_control,
                 plan$scaling$centre, plan$scaling$var,
                 ifelse(ks == 1L, 1L, control$init_iter), verbose, simd_code(control),
                 fd$w %||% numeric(0), plan$w_init %||% numeric(0), fd$n_complete)
  }
  grid <- if (plan$init$type != "params") {
    engine(covariances, starts)
  } else {
    parts <- lapply(covariances, function(cov) {
      engine(cov, list(structure(list(project_params(starts[[1L]][[1L]], cov)), random = FALSE)))
    })
    list(fits = unlist(lapply(parts, grid_fits), recursive = FALSE),
         summary = do.call(rbind, lapply(parts, `[[`, "summary")),
         error = unlist(lapply(parts, `[[`, "error")))
  }
  grid$k <- rep(ks, times = length(covariances))
  grid$covariance <- rep(covariances, each = length(ks))
  grid$priors <- rep(engine_control$priors, times = length(covariances))
  grid
}

# Candidate i of a grid, with its k, structure and prior values (NULL without a prior).
candidate <- function(grid, i) {
  c(grid_fit(grid, i), list(k = grid$k[[i]], covariance = grid$covariance[[i]],
                            prior = grid$priors[[i]]))
}

# The engine's outcome of candidate i of a grid: a single candidate's comes
# with the grid, a search's are held by the engine until asked for.
grid_fit <- function(grid, i) {
  if (is.null(grid$store)) grid$fits[[i]] else cpp_grid_fit(grid$store, i)
}

# Every candidate's outcome, in the grid's order.
grid_fits <- function(grid) {
  if (is.null(grid$store)) grid$fits else lapply(seq_along(grid$error), grid_fit, grid = grid)
}

report_starts <- function(ks, covariances, starts) {
  for (i in seq_along(ks)) {
    n <- length(starts[[i]])
    message(sprintf("k = %d, %s: %d %s", ks[[i]], paste(covariances, collapse = ", "),
                    n, plural("start", n)))
  }
}

report_candidates <- function(table) {
  status <- ifelse(is.na(table$error), sprintf("BIC %.2f", table$bic),
                   paste("failed:", table$error))
  lines <- sprintf("[%d/%d] k = %d, %s: %s", seq_len(nrow(table)), nrow(table),
                   table$k, table$covariance, status)
  for (line in lines) message(line)
}

# A single candidate: the fit, or a classed error when every start failed.
single_fit <- function(res, fd, plan, control) {
  if (!is.null(res$error)) abort_candidate(res, plan)
  fit <- build_fit(res, fd, plan, control)
  warn_fit(fit)
  fit
}

abort_candidate <- function(res, plan) {
  n <- if (plan$init$type == "methods") plan$n_init else 1L
  gmm_abort(
    sprintf("Fitting %d %s components failed%s: %s", res$k, res$covariance,
            if (n > 1L) sprintf(" in all %d starts", n) else "", res$error),
    class = "gmm_fit_error", failures = res$error, reason = res$error,
    component = res$component
  )
}

# The warnings a fit deserves: not converged, components on tied values.
warn_fit <- function(fit, chosen = FALSE, flat = TRUE, converge = TRUE) {
  which_model <- if (chosen) "the selected model" else "the fitted mixture"
  # (tol = 0 asks for exactly max_iter iterations: not converging is the point.)
  if (converge && !fit$converged && !identical(fit$control$tol, 0)) {
    gmm_warn(sprintf(
      "EM did not converge in %d iterations for %s (k = %d, %s); increase `max_iter` or `tol` in gmm_control().",
      fit$control$max_iter, which_model, length(fit$weights), fit$covariance
    ), "gmm_convergence_warning")
  }
  bad <- fit$degenerate
  if (flat && length(bad)) {
    one <- length(bad) == 1L
    gmm_warn(sprintf(paste0(
      "%s %s of %s %s flat: in some direction %s variance is only what `reg` adds (%s ",
      "points lie on tied values or on a line or plane, or are too few for the variables), ",
      "so the log-likelihood and BIC are inflated. Fit fewer components, or search over ",
      "several `k` (a search does not choose such a model)."),
      plural("Component", length(bad)), paste(bad, collapse = ", "), which_model,
      if (one) "is" else "are", if (one) "its" else "their", if (one) "its" else "their"
    ), "gmm_degenerate_warning", components = bad)
  }
  invisible(fit)
}

# A component is flat when, in units of each variable's standard deviation,
# its smallest variance in any direction is no more than this above what
# `reg` adds (a standard deviation of about 0.3% of the variables', ten
# times what the default `reg` adds): it sits on tied values (rounded data,
# fewer distinct points than dimensions) or is collapsing onto a few points
# (slowly, as components with few rows do, more so when some of their
# values are missing), where the likelihood grows without bound as `reg`
# shrinks, so its log-likelihood and BIC mean little. (A threshold of
# sqrt(.Machine$double.eps) caught only components already collapsed; on R's
# data sets this one changes no choice of a search over full, tied, diag
# and spherical models, and keeps such collapsing fits out of searches over
# all fourteen models and over incomplete data: bench/NOTES.md, section 16.)
flat_tolerance <- 1e-5

# Iterations in a row with a flat component after which a search stops a run:
# a component of a start with fewer rows than dimensions is flat at first
# and may spread out; one flat for this long stays so.
flat_patience <- 5L

# Engine result -> "gmmfit" object with canonical component order. The
# posterior is one E-step at the returned parameters, the same computation
# that ended EM.
build_fit <- function(res, fd, plan, control) {
  x <- fd$x
  vars <- fd$vars %||% colnames(x)
  k <- res$k
  covariance <- res$covariance
  ord <- if (isTRUE(control$keep_order)) seq_len(k) else order(-res$weights, res$means[, 1L], method = "radix")
  # (A single candidate comes with them from the engine. A fit on chunks
  # keeps no posteriors.)
  posterior <- NULL
  if (!is.null(x)) {
    posterior <- user_order(res$posterior %||%
      cpp_estep(fd$xe, res, covariance_code(covariance), control$n_threads, simd_code(control),
                fd$n_complete)$posterior, fd)
    cpp_relabel_posterior(posterior, ord, list(rownames(x), as.character(seq_len(k))))
  }
  n <- fd$n_obs
  df <- n_parameters(k, length(vars), covariance, isTRUE(control$equal_weights))
  bic <- -2 * res$loglik + df * log(n)
  obj <- new_gmmfit(
    weights = res$weights[ord],
    means = res$means[ord, , drop = FALSE],
    covariances = res$covariances[, , ord, drop = FALSE],
    covariance = covariance,
    loglik = res$loglik, df = df, bic = bic, aic = -2 * res$loglik + 2 * df,
    icl = bic + 2 * res$entropy, n = n,
    n_iter = res$n_iter, converged = res$converged, trace = res$trace,
    posterior = posterior,
    classification = if (!is.null(x)) stats::setNames(classify(posterior), rownames(x)),
    data = x, control = control, search = NULL,
    degenerate = which(res$flatness[ord] <= flat_tolerance),
    reg = res$reg, n_failed_starts = length(res$failures$message)
  )
  if (model_rows(covariance)$iterative) obj$inner_iter <- res$inner
  if (!is.null(fd$w)) obj$case_weights <- user_order(fd$w, fd)
  if (!is.null(fd$ord)) obj$n_missing <- sum(is.na(x))
  if (!is.null(fd$source)) {
    obj$source <- fd$source
    if (fd$source$n_missing > 0) obj$n_missing <- fd$source$n_missing
  }
  if (!is.null(res$prior)) {
    obj$prior <- res$prior
    obj$log_prior <- res$log_prior
  }
  if (!is.null(res$path)) obj$path <- lapply(res$path, path_step, ord = ord, vars = vars)
  validate_gmmfit(label_params(obj, vars))
}

# One iteration's parameters from the engine, in the fit's component order
# and with its names.
path_step <- function(p, ord, vars) {
  comps <- as.character(seq_along(ord))
  list(weights = stats::setNames(p$weights[ord], comps),
       means = matrix(p$means[ord, , drop = FALSE], length(ord), dimnames = list(comps, vars)),
       covariances = array(p$covariances[, , ord, drop = FALSE],
                           c(length(vars), length(vars), length(ord)),
                           dimnames = list(vars, vars, comps)))
}

# A numeric vector becomes a one-column matrix named after the expression that
# gave it (`eruptions` for `faithful$eruptions`), so plots and tables are labelled.
name_vector <- function(x, expr) {
  if (!is.null(dim(x)) || !is.numeric(x)) return(x)
  name <- if (is.name(expr)) {
    as.character(expr)
  } else if (is.call(expr) && identical(expr[[1L]], as.name("$"))) {
    as.character(expr[[3L]])
  } else if (is.call(expr) && identical(expr[[1L]], as.name("[[")) && length(expr) == 3L &&
             is.character(expr[[3L]]) && length(expr[[3L]]) == 1L) {
    expr[[3L]]
  } else {
    "x"
  }
  matrix(x, ncol = 1L, dimnames = list(names(x), name))
}
