# Derived from hooks/post_gen_project.py and copier.yml by `make derive`: edit those, not this file
# (a test fails when they drift). Cookiecutter renders it with Jinja, then runs it.
"""Remove the files and folders of options that were not chosen (cookiecutter and cruft).

Copier leaves them out itself through the conditional `_exclude` entries of copier.yml, the one
table of which option owns which path. This hook evaluates the very same entries (plain Jinja,
answers as bare names) against cookiecutter's answers and removes the path each one names, so
every engine writes the same tree.

Source: hooks/post_gen_project.py. Cookiecutter runs template/hooks/post_gen_project.py, the copy
that `make derive` writes with the data block filled in.
"""

import json
import shutil
from pathlib import Path

from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

# >>> data: filled in by `python -m mlops_cookie.derive` in the derived copy
ANSWERS = json.loads(r'''{{ cookiecutter | tojson }}''')
EXCLUDE = json.loads(
    r'''{% raw %}[
 "{% if ci_provider != 'github' %}.github{% endif %}",
 "{% if ci_provider != 'azure-devops' %}.azure-pipelines{% endif %}",
 "{% if ci_provider != 'azure-devops' %}.azuredevops{% endif %}",
 "{% if ci_provider != 'gitlab' %}.gitlab{% endif %}",
 "{% if ci_provider != 'gitlab' %}.gitlab-ci.yml{% endif %}",
 "{% if ci_provider == 'none' %}scripts/deploy.sh{% endif %}",
 "{% if ci_provider == 'none' %}docs/ci-cd.md{% endif %}",
 "{% if iac == 'none' %}infra{% endif %}",
 "{% if iac != 'terraform' %}infra/terraform{% endif %}",
 "{% if iac != 'bicep' %}infra/bicep{% endif %}",
 "{% if iac == 'none' %}.checkov.yaml{% endif %}",
 "{% if iac == 'none' %}docs/infrastructure.md{% endif %}",
 "{% if serving != 'fastapi' and training_compute != 'cloud' %}Dockerfile{% endif %}",
 "{% if serving != 'fastapi' and training_compute != 'cloud' %}.dockerignore{% endif %}",
 "{% if serving != 'fastapi' %}loadtest{% endif %}",
 "{% if serving != 'fastapi' %}src/{{ package_name }}/serve.py{% endif %}",
 "{% if serving != 'fastapi' %}src/{{ package_name }}/monitoring.py{% endif %}",
 "{% if serving != 'fastapi' %}tests/test_serve.py{% endif %}",
 "{% if serving != 'fastapi' %}infra/terraform/serving.tf{% endif %}",
 "{% if serving != 'fastapi' %}infra/bicep/modules/appaccess.bicep{% endif %}",
 "{% if serving != 'fastapi' %}infra/bicep/modules/containerapp.bicep{% endif %}",
 "{% if serving != 'fastapi' %}infra/bicep/modules/network.bicep{% endif %}",
 "{% if serving != 'fastapi' %}docs/serving.md{% endif %}",
 "{% if training_compute != 'cloud' %}src/{{ package_name }}/jobs.py{% endif %}",
 "{% if training_compute != 'cloud' %}tests/test_jobs.py{% endif %}",
 "{% if training_compute != 'cloud' %}docs/training.md{% endif %}",
 "{% if data_versioning != 'dvc' %}dvc.yaml{% endif %}",
 "{% if data_versioning != 'dvc' %}.dvc{% endif %}",
 "{% if data_versioning != 'dvc' %}.dvcignore{% endif %}",
 "{% if data_versioning != 'dvc' %}docs/data-versioning.md{% endif %}",
 "{% if experiment_tracking != 'mlflow' %}src/{{ package_name }}/tracking.py{% endif %}",
 "{% if experiment_tracking != 'mlflow' %}tests/test_tracking.py{% endif %}",
 "{% if experiment_tracking != 'mlflow' %}docs/tracking.md{% endif %}",
 "{% if not r_scripts %}DESCRIPTION{% endif %}",
 "{% if not r_scripts %}.lintr{% endif %}",
 "{% if not r_scripts %}R{% endif %}",
 "{% if not r_scripts %}tests/testthat{% endif %}",
 "{% if not r_scripts %}notebooks/02-explore-r.ipynb{% endif %}",
 "{% if not r_scripts %}notebooks/02-explore-r.R{% endif %}",
 "{% if not r_scripts %}scripts/lintr.R{% endif %}",
 "{% if not r_scripts %}scripts/r_deps.R{% endif %}",
 "{% if not r_scripts %}docs/r.md{% endif %}",
 "{% if feature_store != 'feast' %}feature_repo{% endif %}",
 "{% if feature_store != 'feast' %}src/{{ package_name }}/feature_store.py{% endif %}",
 "{% if feature_store != 'feast' %}tests/test_feature_store.py{% endif %}",
 "{% if feature_store != 'feast' %}docs/features.md{% endif %}",
 "{% if feature_store != 'feast' %}infra/terraform/features.tf{% endif %}",
 "{% if feature_store != 'feast' %}infra/bicep/modules/features.bicep{% endif %}",
 "{% if license != 'Apache-2.0' %}NOTICE{% endif %}",
 "{% if docs != 'mkdocs' %}mkdocs.yml{% endif %}",
 "{% if workshop is defined and not workshop %}scripts/workshop_check.py{% endif %}"
]{% endraw %}'''
)
# <<<


def excluded(answers, entries=None):
    """The project-relative paths the entries leave out for these answers."""
    env = SandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=True)
    rendered = (env.from_string(entry).render(answers).strip() for entry in entries or EXCLUDE)
    return [path for path in rendered if path]


def remove(root, paths):
    for rel in paths:
        path = Path(root, rel)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.is_symlink() or path.exists():
            path.unlink()


if __name__ == "__main__":
    remove(".", excluded(ANSWERS))
