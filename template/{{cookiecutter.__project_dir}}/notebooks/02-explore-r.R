# %% [markdown]
# # 02 - Explore the splits in R
#
# The train split the Python data step wrote (`make data`:
# data/processed/train.csv), read in R with the functions of `R/`, which
# tests/testthat/ tests. Code worth keeping moves into `R/`:
# `make nb2script NB=notebooks/02-explore-r.ipynb` turns this notebook into
# an R script under scripts/.
#
# Outputs are stripped before commit; re-run the notebook to see them.

# %%
# The project root: this notebook runs in notebooks/, its script from the root.
root <- if (file.exists("DESCRIPTION")) "." else ".."
for (file in list.files(file.path(root, "R"), "[.]R$", full.names = TRUE)) {
  source(file)
}
target <- "target" # configs/train.toml, [data] target
train <- read_split("train", file.path(root, "data", "processed"))
cat(nrow(train), "rows,", ncol(train), "columns, target:", target, "\n")

# %% [markdown]
# ## The target
#
# How balanced are the classes (or how spread the values)?

# %%
head(class_balance(train, target), 10)

# %% [markdown]
# ## The numeric columns

# %%
numeric_summary(train)
