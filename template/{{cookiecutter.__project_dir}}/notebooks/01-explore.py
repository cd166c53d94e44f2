# %% [markdown]
# # 01 - Explore the data
#
# A first look at the data and a quick baseline, using the project package so
# that the notebook and the pipeline (`make train`) read the same data the same
# way. Notebooks are for exploring: code worth keeping moves to a script
# (`make nb2script NB=notebooks/01-explore.ipynb`) and then into the package.
#
# Outputs are stripped before commit; re-run the notebook to see them.

# %%
from {{ cookiecutter.package_name }}.config import load_config
from {{ cookiecutter.package_name }}.data import load_dataset, split_dataset
from {{ cookiecutter.package_name }}.evaluate import check_quality_gate
from {{ cookiecutter.package_name }}.metrics import compute_metrics
from {{ cookiecutter.package_name }}.train import fit_pipeline

config = load_config()  # configs/train.toml of this project
frame = load_dataset(config.data)
target = config.data.target
print(f"{len(frame)} rows, {frame.shape[1]} columns, target: {target}")

# %% [markdown]
# ## The data
#
# Column names are snake_case whatever the source used, and every column the
# configuration mentions exists.

# %%
frame.head()

# %%
frame.describe().transpose()

# %% [markdown]
# ## The target
#
# How balanced are the classes? A strong imbalance changes which metric the
# quality gate should use (`average_precision` rather than `roc_auc`).

# %%
frame[target].value_counts(normalize=True)

# %% [markdown]
# ## Which features separate the classes?
#
# Mean of each feature per class, for the features that differ most between
# the classes (in standard deviations).

# %%
numeric = frame.select_dtypes("number").drop(columns=[target], errors="ignore")
by_class = numeric.groupby(frame[target]).mean()
separation = (by_class.max() - by_class.min()) / numeric.std()
top = separation.sort_values(ascending=False).head(10).index
by_class[top].transpose()

# %% [markdown]
# ## A quick baseline
#
# The same split and pipeline as `make train`: fit on the training split,
# score the held-out split, and check the quality gate.

# %%
train, held_out = split_dataset(frame, config.data)
pipeline = fit_pipeline(config, train)
features = held_out.drop(columns=[target])
proba = pipeline.predict_proba(features)
metrics = compute_metrics(held_out[target], proba, pipeline.classes_)
print(check_quality_gate(metrics, config.gate).message)
for name, value in metrics.items():
    print(f"{name:>18}: {value:.3f}")
