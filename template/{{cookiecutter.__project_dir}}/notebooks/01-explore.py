# %% [markdown]
# # 01 - Explore the data
#
# A first look at the data and a quick baseline, using the project package so
# that the notebook and the pipeline (`make train`) read the same data the same
# way. Code worth keeping moves into the package:
# `make nb2script NB=notebooks/01-explore.ipynb` turns this notebook into a
# module of it.
#
# Outputs are stripped before commit; re-run the notebook to see them.

# %%
import matplotlib.pyplot as plt

from {{ cookiecutter.package_name }} import data, evaluate
from {{ cookiecutter.package_name }}.config import load_config
from {{ cookiecutter.package_name }}.train import fit_pipeline

config = load_config()  # configs/train.toml of this project
df = data.load_dataset(config)  # checked against the raw data schema
target = config.data.target
print(f"{len(df)} rows, {df.shape[1]} columns, target: {target}")

# %% [markdown]
# ## The data
#
# Column names are snake_case whatever the source used.

# %%
df.head()

# %%
df.describe().T

# %% [markdown]
# ## The target and the features
#
# How balanced are the classes (or how spread the values)? A strong imbalance
# changes which metric the quality gate should use (`average_precision`
# rather than `roc_auc`).

# %%
df[target].value_counts(normalize=True).head(10)

# %%
numeric = df.select_dtypes("number").drop(columns=[target]).columns[:6]
df[numeric].hist(bins=30, figsize=(10, 6))
plt.tight_layout()

# %% [markdown]
# ## A quick baseline
#
# The same split and pipeline as `make train`: fit on the training split and
# score the held-out split.

# %%
train, held_out = data.split_dataset(df, config)
pipeline = fit_pipeline(config, train)
x_test, y_test = data.features_target(held_out, config)
metrics = evaluate.reported_metrics(config, y_test)
evaluate.score(pipeline, x_test, y_test, metrics)
