# Functions of the R notebooks and scripts, tested in tests/testthat/. The
# data comes from the Python data step: the CSV splits in data/processed/.

# One split of the data step, "train" or "test", as a data frame.
read_split <- function(split, dir = file.path("data", "processed")) {
  path <- file.path(dir, paste0(split, ".csv"))
  if (!file.exists(path)) {
    stop(path, " not found: run 'make data' first (the Python data step writes it)",
      call. = FALSE
    )
  }
  utils::read.csv(path, check.names = FALSE)
}

# The share of each value of the target column, the most frequent first.
class_balance <- function(frame, target) {
  if (!target %in% names(frame)) {
    stop("no column '", target, "' in the data", call. = FALSE)
  }
  counts <- sort(table(frame[[target]]), decreasing = TRUE)
  data.frame(value = names(counts), share = as.numeric(counts) / nrow(frame))
}

# Mean, standard deviation and share of missing values of every numeric column.
numeric_summary <- function(frame) {
  numeric <- frame[vapply(frame, is.numeric, logical(1))]
  data.frame(
    column = names(numeric),
    mean = vapply(numeric, mean, numeric(1), na.rm = TRUE),
    sd = vapply(numeric, stats::sd, numeric(1), na.rm = TRUE),
    missing = vapply(numeric, function(x) mean(is.na(x)), numeric(1)),
    row.names = NULL
  )
}
