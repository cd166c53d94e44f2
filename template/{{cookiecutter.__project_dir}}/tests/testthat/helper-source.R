# testthat sources helper files first: the project's R/ functions.
r_files <- list.files(test_path("..", "..", "R"), "[.]R$", full.names = TRUE)
for (file in r_files) {
  source(file)
}
