# Tests of R/explore.R on a small frame (no data step needed).
frame <- data.frame(
  size = c(1, 2, 3, NA),
  colour = c("a", "b", "a", "a"),
  target = c(1, 0, 1, 1)
)

test_that("class_balance gives each target value's share, the most frequent first", {
  balance <- class_balance(frame, "target")
  expect_equal(balance$value, c("1", "0"))
  expect_equal(balance$share, c(0.75, 0.25))
})

test_that("class_balance names a missing target column", {
  expect_error(class_balance(frame, "label"), "no column 'label'")
})

test_that("numeric_summary covers the numeric columns only, missing values apart", {
  summary <- numeric_summary(frame)
  expect_equal(summary$column, c("size", "target"))
  expect_equal(summary$mean[1], 2)
  expect_equal(summary$missing[1], 0.25)
})

test_that("read_split reads a split the data step wrote and names a missing one", {
  dir <- tempfile()
  dir.create(dir)
  on.exit(unlink(dir, recursive = TRUE))
  utils::write.csv(frame, file.path(dir, "train.csv"), row.names = FALSE)
  expect_equal(nrow(read_split("train", dir)), 4)
  expect_error(read_split("test", dir), "run 'make data' first")
})
