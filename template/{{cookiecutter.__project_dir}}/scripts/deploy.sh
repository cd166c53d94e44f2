#!/usr/bin/env bash
# Delivery steps shared by every pipeline (docs/ci-cd.md), runnable locally with the same
# result once you are logged in to the cloud:
#
#   bash scripts/deploy.sh bundle              # after `make ci`: the model files into dist/model/
{%- if cookiecutter.serving == 'fastapi' %}
#   bash scripts/deploy.sh image               # the serving image, built once: pushed to the CI registry
#                                              # (digest in dist/image.ref), else into dist/image.tar
{%- endif %}
#   bash scripts/deploy.sh plan staging        # what the infrastructure change would do, into dist/plan/
#   bash scripts/deploy.sh apply staging dist/plan/staging.tfplan
#                                              # exactly that plan, after the approval
#   bash scripts/deploy.sh guard production    # refuse a commit older than the one live there
#   bash scripts/deploy.sh deploy staging      # model{% if cookiecutter.serving == 'fastapi' %}, serving image{% endif %}
{%- if cookiecutter.experiment_tracking == 'mlflow' %}
#   bash scripts/deploy.sh promote production  # after the approval: champion alias -> the bundle's version
{%- endif %}
#   bash scripts/deploy.sh train production    # trainer's steps: {% if cookiecutter.data_versioning == 'dvc' and cookiecutter.iac != 'none' %}data remote, {% endif %}{% if cookiecutter.experiment_tracking == 'mlflow' %}tracking URI, {% endif %}{% if cookiecutter.training_compute == 'cloud' %}make lint test data,
#                                              # the training image, make train-cloud ({{ {'azure': 'Azure ML', 'aws': 'SageMaker', 'gcp': 'Vertex AI'}[cookiecutter.cloud] }}), make evaluate
#   bash scripts/deploy.sh training-image production
#                                              # the training image, pushed to ENV's registry: prints its digest{% else %}make data, make ci{% endif %}
{%- if cookiecutter.feature_store == 'feast' %}
#   bash scripts/deploy.sh features production # make features (feast apply, materialize) into ENV's cloud stores
{%- endif %}
#   bash scripts/deploy.sh smoke staging       # the deployed model is the one built here{% if cookiecutter.serving == 'fastapi' %}; API healthy{% endif %}
#   bash scripts/deploy.sh champion production models/champion
#                                              # the model in production, for `promote` (none: empty)
{%- if cookiecutter.data_versioning == 'dvc' and cookiecutter.iac != 'none' %}
#   bash scripts/deploy.sh data-remote production
#                                              # DVC's `cloud` remote -> this environment's storage
{%- endif %}
{%- if cookiecutter.experiment_tracking == 'mlflow' and cookiecutter.iac != 'none' and cookiecutter.cloud != 'gcp' %}
#   bash scripts/deploy.sh tracking-uri production
#                                              # prints the environment's MLflow tracking URI
{%- endif %}
#
# Every cloud command of the pipelines is in this file, between the ">>> cloud" markers.
# Pipelines log in with OIDC before calling it (no stored secrets). When CD_OIDC_TOKEN holds
# the pipeline's ID token (GitLab, Azure Pipelines), the script exchanges it itself.
set -euo pipefail

PROJECT="{{ cookiecutter.project_slug }}"
BUNDLE=dist/model
{%- if cookiecutter.serving == 'fastapi' %}
IMAGE_ARCHIVE=dist/image.tar
# With IMAGE_REPOSITORY (the CI system's own registry, e.g. the project's container registry)
# `image` pushes there once and records the digest here; deployments pull that digest.
IMAGE_REF_FILE=dist/image.ref
{%- endif %}

die() {
	echo "deploy.sh: $*" >&2
	exit 1
}

usage() {
	die "usage: bash scripts/deploy.sh bundle{% if cookiecutter.serving == 'fastapi' %} | image{% endif %} | plan ENV | apply ENV PLANFILE | guard ENV | deploy ENV{% if cookiecutter.experiment_tracking == 'mlflow' %} | promote ENV{% endif %} | train ENV{% if cookiecutter.training_compute == 'cloud' %} | training-image ENV{% endif %}{% if cookiecutter.feature_store == 'feast' %} | features ENV{% endif %} | smoke ENV | champion ENV DIR{% if cookiecutter.data_versioning == 'dvc' and cookiecutter.iac != 'none' %} | data-remote ENV{% endif %}{% if cookiecutter.experiment_tracking == 'mlflow' and cookiecutter.iac != 'none' and cookiecutter.cloud != 'gcp' %} | tracking-uri ENV{% endif %} (ENV: staging or production)"
}

# What is delivered: the commit and the bundled model's own version (its training time and
# config digest), so a model retrained on the same commit gets its own model folder{% if cookiecutter.serving == 'fastapi' %} and image
# tag (immutable tags never collide){% endif %}. MODEL_VERSION overrides it.
version() {
	[[ -z "${MODEL_VERSION:-}" ]] || {
		echo "$MODEL_VERSION"
		return
	}
	echo "$(short_sha)-$(model_version "$BUNDLE/model.json")"
}

# The model_version field of a model.json (no JSON tool needed: deployer images lack them).
model_version() {
	local text
	text="$(<"$1")"
	[[ "$text" =~ \"model_version\":\ *\"([A-Za-z0-9._-]+)\" ]] || die "$1 has no model_version"
	echo "${BASH_REMATCH[1]}"
}

# The full commit being delivered (the CI's own variable where git may be missing).
commit_sha() {
	local sha="${GITHUB_SHA:-${CI_COMMIT_SHA:-${BUILD_SOURCEVERSION:-}}}"
	[[ -n "$sha" ]] || sha="$(git rev-parse HEAD)"
	echo "$sha"
}
short_sha() {
	local sha
	sha="$(commit_sha)"
	echo "${sha:0:12}"
}

# staging | production -> the short name of its infrastructure files (envs/<name>.*).
env_short() {
	case "${1:-}" in
	staging) echo staging ;;
	production) echo prod ;;
	*) usage ;;
	esac
}

{%- if cookiecutter.iac != 'none' %}
# Does CD apply the infrastructure? false only when FILE sets NAME to false (the default is true).
applies_infrastructure() { # applies_infrastructure FILE NAME
	! grep -Eq "^[[:space:]]*(param[[:space:]]+)?$2[[:space:]]*=[[:space:]]*false\b" "$1"
}

{%- endif %}
need() {
	local tool
	for tool in "$@"; do
		command -v "$tool" >/dev/null || die "'$tool' is not installed (see docs/ci-cd.md)"
	done
}

# ---------------------------------------------------------------------------------- login
{%- if cookiecutter.cloud == 'azure' %}
# The OIDC token to log in with: the pipeline's (CD_OIDC_TOKEN: GitLab id_tokens, Azure
# Pipelines' service connection), or on GitHub Actions a token requested right now. The az CLI
# cannot renew a federated login by itself once the token it got expired (minutes), so every
# command of this script logs in afresh instead of relying on an earlier step's login.
oidc_token() {
	if [[ -n "${CD_OIDC_TOKEN:-}" ]]; then
		echo "$CD_OIDC_TOKEN"
	elif [[ -n "${ACTIONS_ID_TOKEN_REQUEST_URL:-}" && -n "${AZURE_CLIENT_ID:-}" ]]; then
		need curl jq
		curl --fail --silent --show-error --header "Authorization: bearer ${ACTIONS_ID_TOKEN_REQUEST_TOKEN:-}" \
			"${ACTIONS_ID_TOKEN_REQUEST_URL}&audience=api://AzureADTokenExchange" | jq --raw-output .value
	fi
}
{%- endif %}

# >>> cloud: log in with the pipeline's OIDC token (GitLab id_tokens, Azure Pipelines'
# workload identity federation{% if cookiecutter.cloud == 'azure' %}, GitHub's token service{% endif %}). {% if cookiecutter.cloud == 'azure' %}Without one (a local run), the
# current az login is used{% else %}GitHub Actions logs in with its own actions instead{% endif %}.
login() {
{%- if cookiecutter.cloud == 'azure' %}
	local token
	token="$(oidc_token)"
{%- else %}
	local token="${CD_OIDC_TOKEN:-}"
{%- endif %}
	[[ -n "$token" ]] || return 0
{%- if cookiecutter.cloud == 'azure' %}
	: "${AZURE_CLIENT_ID:?set AZURE_CLIENT_ID for this environment}"
	: "${AZURE_TENANT_ID:?set AZURE_TENANT_ID for this environment}"
	: "${AZURE_SUBSCRIPTION_ID:?set AZURE_SUBSCRIPTION_ID for this environment}"
	az login --service-principal --username "$AZURE_CLIENT_ID" --tenant "$AZURE_TENANT_ID" \
		--federated-token "$token" --allow-no-subscriptions --output none
	az account set --subscription "$AZURE_SUBSCRIPTION_ID"
{%- if cookiecutter.iac == 'terraform' %}
	# Terraform's azurerm provider and backend log in with OIDC too: with the pipeline's token,
	# or on GitHub Actions with tokens they request themselves (renewed during a long apply).
	export ARM_USE_OIDC=true ARM_CLIENT_ID="$AZURE_CLIENT_ID" ARM_TENANT_ID="$AZURE_TENANT_ID" \
		ARM_SUBSCRIPTION_ID="$AZURE_SUBSCRIPTION_ID"
	[[ -z "${CD_OIDC_TOKEN:-}" ]] || export ARM_OIDC_TOKEN="$CD_OIDC_TOKEN"
{%- endif %}
{%- elif cookiecutter.cloud == 'aws' %}
	: "${AWS_ROLE_ARN:?set AWS_ROLE_ARN for this environment}"
	# The AWS CLI{% if cookiecutter.iac == 'terraform' %} and Terraform{% endif %} assume AWS_ROLE_ARN with this token by themselves.
	umask 077
	printf '%s' "$token" >"${RUNNER_TEMP:-/tmp}/cd-oidc-token"
	export AWS_WEB_IDENTITY_TOKEN_FILE="${RUNNER_TEMP:-/tmp}/cd-oidc-token"
	export AWS_ROLE_SESSION_NAME="${PROJECT}-cd"
{%- else %}
	: "${GCP_WORKLOAD_IDENTITY_PROVIDER:?set GCP_WORKLOAD_IDENTITY_PROVIDER for this environment}"
	: "${GCP_SERVICE_ACCOUNT:?set GCP_SERVICE_ACCOUNT for this environment}"
	local dir="${RUNNER_TEMP:-/tmp}"
	umask 077
	printf '%s' "$token" >"$dir/cd-oidc-token"
	gcloud iam workload-identity-pools create-cred-config "$GCP_WORKLOAD_IDENTITY_PROVIDER" \
		--service-account="$GCP_SERVICE_ACCOUNT" --credential-source-file="$dir/cd-oidc-token" \
		--output-file="$dir/cd-gcp-credentials.json" --quiet
	gcloud auth login --cred-file="$dir/cd-gcp-credentials.json" --quiet
	# Terraform's google provider reads the same credentials.
	export GOOGLE_APPLICATION_CREDENTIALS="$dir/cd-gcp-credentials.json"
{%- endif %}
}

# ---------------------------------------------------------------------------------- targets
{%- if cookiecutter.iac == 'terraform' %}
# Where things go comes from the infrastructure's outputs (infra/terraform/outputs.tf).
TF=(terraform -chdir=infra/terraform)

TERRAFORM_VERSION="${TERRAFORM_VERSION:-1.10.5}"

# Terraform from its official image when the machine has none (Azure Pipelines agents).
ensure_terraform() {
	command -v terraform >/dev/null && return 0
	need docker
	local id
	mkdir -p "$HOME/.local/bin"
	id="$(docker create "hashicorp/terraform:${TERRAFORM_VERSION}")"
	docker cp "$id:/bin/terraform" "$HOME/.local/bin/terraform"
	docker rm "$id" >/dev/null
	export PATH="$HOME/.local/bin:$PATH"
}

tf_init() {
	ensure_terraform
	"${TF[@]}" init -input=false -reconfigure -backend-config="envs/$(env_short "$1").backend.hcl"
}

out() {
	"${TF[@]}" output -raw "$1"
}
{%- elif cookiecutter.iac == 'bicep' %}
# Where things go comes from the outputs of the Bicep deployment (infra/bicep/main.bicep).
deployment_name() {
	echo "${PROJECT}-$(env_short "$1")"
}

# The environment's resource group: RESOURCE_GROUP, or the name docs/infrastructure.md uses.
resource_group() {
	echo "${RESOURCE_GROUP:-rg-{{ cookiecutter.project_slug[:20].rstrip('-') }}-$(env_short "$ENV_NAME")}"
}

out() {
	az deployment group show --resource-group "$(resource_group)" --name "$(deployment_name "$ENV_NAME")" \
		--query "properties.outputs.$1.value" --output tsv
}
{%- else %}
# No infrastructure code: each target is a variable of the environment, named after the
# Terraform output it would be (registry_url -> REGISTRY_URL); docs/ci-cd.md lists them.
out() {
	local name="${1^^}"
	[[ -n "${!name:-}" ]] || die "set the variable $name for this environment (docs/ci-cd.md)"
	echo "${!name}"
}
{%- endif %}

{%- if cookiecutter.cloud == 'azure' %}

# >>> cloud: the model store (a blob container)
store_upload() { # store_upload DIR PREFIX
	az storage blob upload-batch --auth-mode login --account-name "$(out storage_account_name)" \
		--destination "$(out model_container_name)" --destination-path "$2" --source "$1" \
		--overwrite --only-show-errors --output none
}

store_download() { # store_download NAME FILE; exit 1 when NAME does not exist
	local account container
	account="$(out storage_account_name)"
	container="$(out model_container_name)"
	[[ "$(az storage blob exists --auth-mode login --account-name "$account" \
		--container-name "$container" --name "$1" --query exists --output tsv)" == true ]] || return 1
	az storage blob download --auth-mode login --account-name "$account" --container-name "$container" \
		--name "$1" --file "$2" --overwrite --only-show-errors --output none
}
{%- elif cookiecutter.cloud == 'aws' %}

# >>> cloud: the model store (models/ in an S3 bucket)
store_upload() { # store_upload DIR PREFIX
	aws s3 cp --recursive --only-show-errors "$1" "s3://$(out model_bucket)/models/$2/"
}

store_download() { # store_download NAME FILE; exit 1 when NAME does not exist
	local uri
	uri="s3://$(out model_bucket)/models/$1"
	aws s3 ls "$uri" >/dev/null || return 1
	aws s3 cp --only-show-errors "$uri" "$2"
}
{%- else %}

# >>> cloud: the model store (models/ in a Cloud Storage bucket)
store_upload() { # store_upload DIR PREFIX
	gcloud storage cp --recursive "$1/*" "gs://$(out model_bucket)/models/$2/"
}

store_download() { # store_download NAME FILE; exit 1 when NAME does not exist
	local uri
	uri="gs://$(out model_bucket)/models/$1"
	gcloud storage ls "$uri" >/dev/null 2>&1 || return 1
	gcloud storage cp "$uri" "$2"
}
{%- endif %}

# ---------------------------------------------------------------------------------- bundle
bundle() {
	local file
	for file in models/model.joblib models/model.json reports/metrics.json; do
		[[ -f "$file" ]] || die "$file not found: run 'make ci' first"
	done
	rm -rf "$BUNDLE"
	mkdir -p "$BUNDLE"
	cp models/model.joblib models/model.json reports/metrics.json "$BUNDLE/"
{%- if cookiecutter.serving == 'fastapi' %}
	example_row "$BUNDLE/model.json" "data/processed/test.csv" "$BUNDLE/example.json"
{%- endif %}
	echo "${PROJECT} model bundle: $BUNDLE ($(version))"
}
{%- if cookiecutter.serving == 'fastapi' %}

# One held-out row as a /predict request body, for the smoke test: the model's features,
# typed as the API's request body takes them (serve.build_body: float columns as numbers,
# the others as text, empty as null).
example_row() { # example_row MODEL_JSON TEST_CSV OUT
	[[ -f "$2" ]] || {
		echo "deploy.sh: $2 not found: the smoke test will not send a prediction" >&2
		return 0
	}
	python3 - "$@" <<'PY'
import csv, json, sys

meta = json.load(open(sys.argv[1], encoding="utf-8"))
with open(sys.argv[2], newline="", encoding="utf-8") as handle:
    row = next(csv.DictReader(handle))
columns = meta["input_schema"]["columns"]
body = {}
for name in meta["feature_names"]:
    value, dtype = row.get(name, ""), str(columns[name]["dtype"])
    body[name] = None if value == "" else float(value) if "float" in dtype else value
json.dump(body, open(sys.argv[3], "w", encoding="utf-8"))
PY
}
{%- endif %}

{%- if cookiecutter.serving == 'fastapi' %}

# The serving image is built once and promoted unchanged to every environment.
image() {
	need docker
	[[ -f Dockerfile ]] || die "Dockerfile not found: the serving image is built from it"
	[[ -f "$BUNDLE/model.joblib" ]] || die "$BUNDLE/ is empty: run 'bash scripts/deploy.sh bundle'"
	# The image gets exactly the bundled model, also where the build runs in its own job.
	mkdir -p models
	cp "$BUNDLE/model.joblib" "$BUNDLE/model.json" models/
	local repository ref labels=()
	repository="$(image_repository)"
	# GitHub links the package to this repository (its workflows' tokens may then write it).
	[[ -z "$repository" || -z "${GITHUB_SERVER_URL:-}" || -z "${GITHUB_REPOSITORY:-}" ]] ||
		labels=(--label "org.opencontainers.image.source=${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}")
	docker build --pull "${labels[@]}" --tag "${PROJECT}:$(version)" .
	if [[ -n "$repository" ]]; then
		ref="${repository}:$(version)"
		ci_registry_login "$ref"
		docker tag "${PROJECT}:$(version)" "$ref"
		docker push "$ref"
		pushed_digest "$ref" >"$IMAGE_REF_FILE"
		rm -f "$IMAGE_ARCHIVE"
		echo "serving image: $(<"$IMAGE_REF_FILE") (${PROJECT}:$(version))"
		return
	fi
	docker save --output "$IMAGE_ARCHIVE" "${PROJECT}:$(version)"
	echo "serving image: $IMAGE_ARCHIVE (${PROJECT}:$(version))"
}

# The CI system's own registry for the image: IMAGE_REPOSITORY (GitLab: the project's container
# registry), else on GitHub Actions the repository's packages (lower case: image names have no
# capitals); empty elsewhere (then the image travels as dist/image.tar).
image_repository() {
	if [[ -n "${IMAGE_REPOSITORY:-}" ]]; then
		echo "$IMAGE_REPOSITORY"
	elif [[ "${GITHUB_ACTIONS:-}" == true && -n "${GITHUB_REPOSITORY:-}" ]]; then
		echo "ghcr.io/${GITHUB_REPOSITORY,,}/serving"
	fi
}

# The job's token opens the CI registry holding REF: GitLab predefines CI_REGISTRY_USER and
# CI_REGISTRY_PASSWORD (its job token), GitHub workflows pass github.actor and GITHUB_TOKEN.
ci_registry_login() {
	[[ -n "${CI_REGISTRY_PASSWORD:-}" ]] || return 0
	printf '%s' "$CI_REGISTRY_PASSWORD" |
		docker login --username "${CI_REGISTRY_USER:?CI_REGISTRY_USER: the registry user for CI_REGISTRY_PASSWORD}" \
			--password-stdin "${CI_REGISTRY:-${1%%/*}}"
}
{%- endif %}
{%- if cookiecutter.serving == 'fastapi' or cookiecutter.training_compute == 'cloud' %}

# The registry's digest of a pushed REF (repo:tag -> repo@sha256:...): the API is deployed
# by digest, so every deployment is a new revision of exactly the image pushed.
pushed_digest() {
	local repo="${1%:*}" json
	# The JSON of docker image inspect (a Go template here would read as Jinja to the template).
	json="$(docker image inspect "$1")"
	[[ "$json" =~ \"(${repo//./\\.}@sha256:[0-9a-f]{64})\" ]] || die "no registry digest for $1 after the push"
	echo "${BASH_REMATCH[1]}"
}
{%- endif %}

# ---------------------------------------------------------------------------------- plan, apply
# The infrastructure change is planned BEFORE the approval, by the read-only plan identity, and
# shown to the reviewer (dist/plan/ENV.md, published to the run's summary); after the approval
# the deploying identity applies exactly that plan.
PLANS=dist/plan

plan() {
	local summary="$PLANS/$ENV_NAME.md"
{%- if cookiecutter.iac != 'none' %}
	local short
	short="$(env_short "$ENV_NAME")"
{%- endif %}
	login
	mkdir -p "$PLANS"
	# >>> cloud: the plan, by the read-only plan identity
{%- if cookiecutter.iac == 'terraform' %}
	tf_init "$ENV_NAME"
	# -lock=false: the plan identity may read the state, not take its lock.
	"${TF[@]}" plan -input=false -lock=false -var-file="envs/${short}.tfvars" -out="$PWD/$PLANS/$ENV_NAME.tfplan"
	"${TF[@]}" show -no-color "$PWD/$PLANS/$ENV_NAME.tfplan" >"$PLANS/$ENV_NAME.txt"
	{
		echo "## Infrastructure plan for $ENV_NAME (commit $(short_sha))"
		echo
		echo "Applied unchanged after the approval (terraform apply of this plan file)."
		echo
		echo '```text'
		cat "$PLANS/$ENV_NAME.txt"
		echo '```'
	} >"$summary"
{%- elif cookiecutter.iac == 'bicep' %}
	local params
	mapfile -t params < <(bicep_params "$short")
	az deployment group what-if --resource-group "$(resource_group)" --name "$(deployment_name "$ENV_NAME")" \
		"${params[@]}" --only-show-errors >"$PLANS/$ENV_NAME.txt"
	{
		echo "## Infrastructure what-if for $ENV_NAME (commit $(short_sha))"
		echo
		echo "After the approval, the same template and parameters of this commit are deployed."
		echo
		echo '```text'
		cat "$PLANS/$ENV_NAME.txt"
		echo '```'
	} >"$summary"
{%- else %}
	{
		echo "## $ENV_NAME (commit $(short_sha))"
		echo
		echo "No infrastructure code (iac: none): only the model{% if cookiecutter.serving == 'fastapi' %} and the serving image{% endif %} change."
	} >"$summary"
	echo "no infrastructure code" >"$PLANS/$ENV_NAME.txt"
{%- endif %}
	echo "plan for $ENV_NAME: $summary"
}
{%- if cookiecutter.iac == 'bicep' %}

# The parameters of ENV's deployment, one argument a line (what-if and create use the same).
bicep_params() {
	echo --parameters
	echo "infra/bicep/envs/$1.bicepparam"
{%- if cookiecutter.serving == 'fastapi' %}
	# Keep the image the API runs now: `deploy` pushes the new one and switches to it.
	local running
	running="$(az containerapp show --name "$(out container_app_name 2>/dev/null)" --resource-group "$(resource_group)" \
		--query 'properties.template.containers[0].image' --output tsv 2>/dev/null || true)"
	if [[ -n "$running" ]]; then
		echo --parameters
		echo "containerImage=$running"
	fi
{%- endif %}
}
{%- endif %}

apply() {
	[[ -n "${1:-}" ]] || usage
	local planfile="$1"
	[[ -f "$planfile" ]] || die "$planfile not found: run 'bash scripts/deploy.sh plan $ENV_NAME' first"
{%- if cookiecutter.iac != 'none' %}
	local short
	short="$(env_short "$ENV_NAME")"
{%- endif %}
{%- if cookiecutter.iac == 'terraform' %}
	if ! applies_infrastructure "infra/terraform/envs/${short}.tfvars" cd_applies_infrastructure; then
		echo "cd_applies_infrastructure = false: the infrastructure of $short is applied by people"
		return 0
	fi
{%- elif cookiecutter.iac == 'bicep' %}
	if ! applies_infrastructure "infra/bicep/envs/${short}.bicepparam" cdAppliesInfrastructure; then
		echo "cdAppliesInfrastructure = false: the infrastructure of $short is deployed by people"
		return 0
	fi
{%- endif %}
	login
	# >>> cloud: 1. infrastructure: exactly the reviewed plan
{%- if cookiecutter.iac == 'terraform' %}
	tf_init "$ENV_NAME"
	# A saved plan applies without a prompt, and fails when the state moved since it was made.
	"${TF[@]}" apply -input=false "$(realpath "$planfile")"
{%- elif cookiecutter.iac == 'bicep' %}
	# Bicep has no plan file: the reviewed what-if was made from this commit's template and
	# parameters, which are deployed now.
	local params
	mapfile -t params < <(bicep_params "$short")
	az deployment group create --resource-group "$(resource_group)" --name "$(deployment_name "$ENV_NAME")" \
		"${params[@]}" --only-show-errors --output none
{%- else %}
	echo "no infrastructure code (iac=none): nothing to apply in $ENV_NAME"
{%- endif %}
}

# ---------------------------------------------------------------------------------- guard
# A late-approved run must not put an older commit over a newer one: the commit live in ENV
# (current/commit in its model store) must be an ancestor of this one. Needs the history
# (fetch-depth 0). ALLOW_OLDER_COMMIT=true allows a deliberate rollback.
guard() {
	local tmp live head
	need git
	head="$(commit_sha)"
	login
	outputs_of "$ENV_NAME"
	tmp="$(mktemp -d)"
	if ! store_download current/commit "$tmp/commit"; then
		echo "guard: no commit recorded in $ENV_NAME yet"
		return 0
	fi
	live="$(tr -d '[:space:]' <"$tmp/commit")"
	if [[ "${ALLOW_OLDER_COMMIT:-false}" == true ]]; then
		echo "guard: ALLOW_OLDER_COMMIT=true, not comparing with ${live:0:12}"
		return 0
	fi
	git cat-file -e "${live}^{commit}" 2>/dev/null ||
		die "the commit live in $ENV_NAME (${live:0:12}) is not in this clone's history: check out with full history, or set ALLOW_OLDER_COMMIT=true to roll back on purpose"
	git merge-base --is-ancestor "$live" "$head" ||
		die "refusing to deploy ${head:0:12} to $ENV_NAME: it does not contain ${live:0:12}, the commit live there (set ALLOW_OLDER_COMMIT=true to roll back on purpose)"
	echo "guard: ${head:0:12} contains ${live:0:12}, the commit live in $ENV_NAME"
}

# ---------------------------------------------------------------------------------- deploy
deploy() {
	local tag
	tag="$(version)"
	[[ -f "$BUNDLE/model.joblib" ]] || die "$BUNDLE/ is empty: run 'bash scripts/deploy.sh bundle'"
	login
	outputs_of "$ENV_NAME"
	# The commit delivered: `guard` compares the next delivery with it.
	commit_sha >"$BUNDLE/commit"
{%- if cookiecutter.iac == 'none' %}
	echo "no infrastructure code (iac=none): deploying into the existing $(env_short "$ENV_NAME") resources"
{%- endif %}

	# >>> cloud: 2. model: one folder per version, and current/ for what is live
	store_upload "$BUNDLE" "$tag"
	store_upload "$BUNDLE" current
	echo "model $tag published to $ENV_NAME"
{%- if cookiecutter.serving == 'fastapi' %}

	# >>> cloud: 3. serving image: push the image built once, then roll the API to it
	need docker
	if [[ -f "$IMAGE_REF_FILE" ]]; then
		# The digest `image` pushed to the CI registry: every environment gets the same bytes.
		ci_registry_login "$(<"$IMAGE_REF_FILE")"
		docker pull "$(<"$IMAGE_REF_FILE")"
		docker tag "$(<"$IMAGE_REF_FILE")" "${PROJECT}:${tag}"
	else
		[[ -f "$IMAGE_ARCHIVE" ]] || die "$IMAGE_ARCHIVE not found: run 'bash scripts/deploy.sh image'"
		docker load --input "$IMAGE_ARCHIVE"
	fi
	local ref
{%- if cookiecutter.cloud == 'azure' %}
	ref="$(out registry_login_server)/${PROJECT}:${tag}"
	az acr login --name "$(out registry_name)"
	docker tag "${PROJECT}:${tag}" "$ref"
	docker push "$ref"
	ref="$(pushed_digest "$ref")"
	# A new revision of exactly the pushed image{% if cookiecutter.iac != 'none' %}, with the replica floor the app starts without
	# (0 while it ran the placeholder, which has no /ready){% endif %}.
	az containerapp update --name "$(out container_app_name)" --resource-group "$(out resource_group_name)" \
		--image "$ref" {% if cookiecutter.iac != 'none' %}--min-replicas "$(out api_min_replicas)" {% endif %}--only-show-errors --output none
{%- elif cookiecutter.cloud == 'aws' %}
	local cluster service current old definition count
	ref="$(out registry_url):${tag}"
	aws ecr get-login-password | docker login --username AWS --password-stdin "$(out registry_login_server)"
	docker tag "${PROJECT}:${tag}" "$ref"
	docker push "$ref"
	ref="$(pushed_digest "$ref")"
	cluster="$(out ecs_cluster_name)"
	service="$(out ecs_service_name)"
	# A new revision of the service's task definition, the same but for the image.
	current="$(aws ecs describe-services --cluster "$cluster" --services "$service" \
		--query 'services[0].taskDefinition' --output text)"
	old="$(aws ecs describe-task-definition --task-definition "$current" \
		--query 'taskDefinition.containerDefinitions[0].image' --output text)"
	definition="$(aws ecs describe-task-definition --task-definition "$current" --output json \
		--query 'taskDefinition.{family: family, taskRoleArn: taskRoleArn, executionRoleArn: executionRoleArn, networkMode: networkMode, containerDefinitions: containerDefinitions, requiresCompatibilities: requiresCompatibilities, cpu: cpu, memory: memory, runtimePlatform: runtimePlatform}')"
	definition="${definition//"\"$old\""/"\"$ref\""}"
	definition="$(aws ecs register-task-definition --cli-input-json "$definition" \
		--query taskDefinition.taskDefinitionArn --output text)"
	# The service starts with no task (the placeholder has no /ready): the first rollout
	# starts the autoscaling minimum, later ones keep the count autoscaling set.
	count=()
	if [[ "$(aws ecs describe-services --cluster "$cluster" --services "$service" \
		--query 'services[0].desiredCount' --output text)" == 0 ]]; then
		count=(--desired-count "$(aws application-autoscaling describe-scalable-targets --service-namespace ecs \
			--resource-ids "service/${cluster}/${service}" --query 'ScalableTargets[0].MinCapacity' --output text)")
		[[ "${count[1]}" =~ ^[0-9]+$ && "${count[1]}" != 0 ]] || count=(--desired-count 1)
	fi
	aws ecs update-service --cluster "$cluster" --service "$service" --task-definition "$definition" \
		"${count[@]}" --query service.taskDefinition --output text
	# Until the new tasks pass the load balancer's /ready check (the circuit breaker rolls a
	# failing revision back; the wait then fails after 40 checks, 10 minutes).
	aws ecs wait services-stable --cluster "$cluster" --services "$service"
	[[ "$(aws ecs describe-services --cluster "$cluster" --services "$service" \
		--query 'services[0].taskDefinition' --output text)" == "$definition" ]] ||
		die "ECS rolled back to $current: the new tasks did not get healthy (see the service's events)"
{%- else %}
	ref="$(out registry_url)/${PROJECT}:${tag}"
	gcloud auth configure-docker "$(out registry_login_server)" --quiet
	docker tag "${PROJECT}:${tag}" "$ref"
	docker push "$ref"
	ref="$(pushed_digest "$ref")"
	gcloud run services update "$(out cloud_run_service)" --image "$ref" --region "$(out region)" \
		--project "$(out project_id)" --quiet
{%- endif %}
	echo "serving image $ref live in $ENV_NAME"
{%- endif %}
}

# ---------------------------------------------------------------------------------- smoke
# Is the live model the one this pipeline built{% if cookiecutter.serving == 'fastapi' %}, is the API ready with it, and does it predict{% endif %}?
smoke() {
	local tmp
	login
{%- if cookiecutter.iac == 'terraform' %}
	[[ -d infra/terraform/.terraform ]] || tf_init "$ENV_NAME" >/dev/null
{%- endif %}
	tmp="$(mktemp -d)"
	store_download current/model.json "$tmp/model.json" || die "no model deployed in $ENV_NAME"
	[[ "$(<"$tmp/model.json")" == "$(<"$BUNDLE/model.json")" ]] ||
		die "the model live in $ENV_NAME is not the one built by this pipeline"
	echo "smoke test: model $(version) is live in $ENV_NAME"
{%- if cookiecutter.serving == 'fastapi' %}
	local url expected answer
	url="$(out api_url)"
	url="${url%/}"
	expected="$(model_version "$BUNDLE/model.json")"
	need curl
	api_auth
	# /ready answers 200 only with a model loaded; its model_version must be the bundle's
	# (replicas of the previous revision may still answer for a moment: retried).
	for _ in $(seq 30); do
		answer="$(curl --silent --max-time 10 "${AUTH[@]}" "$url/ready" || true)"
		[[ "$answer" == *"\"model_version\":\"$expected\""* ]] && break
		sleep 10
	done
	[[ "$answer" == *"\"model_version\":\"$expected\""* ]] ||
		die "$url/ready does not serve model $expected: ${answer:-no answer}"
	echo "smoke test: $url/ready serves model $expected"
	if [[ -f "$BUNDLE/example.json" ]]; then
		answer="$(curl --fail-with-body --silent --show-error --max-time 30 "${AUTH[@]}" \
			--header 'Content-Type: application/json' --data "@$BUNDLE/example.json" "$url/predict")" ||
			die "$url/predict failed: $answer"
		[[ "$answer" == *"\"predictions\":"* ]] || die "$url/predict answered without predictions: $answer"
		echo "smoke test: $url/predict answers: $answer"
	fi
{%- endif %}
}
{%- if cookiecutter.serving == 'fastapi' %}

# >>> cloud: how the smoke test authenticates to the API (AUTH: curl arguments).
api_auth() {
{%- if cookiecutter.cloud == 'gcp' %}
	# Cloud Run admits only callers with roles/run.invoker (the CD service account, serving.tf)
	# and an ID token for the service's URL. Impersonating the service account mints it from
	# any credentials, Workload Identity Federation's included.
	local account="${GCP_SERVICE_ACCOUNT:-}" token
{%- if cookiecutter.iac == 'terraform' %}
	[[ -n "$account" ]] || account="$(out cd_service_account)"
{%- else %}
	[[ -n "$account" ]] || account="$(gcloud config get-value account 2>/dev/null)"
{%- endif %}
	token="$(gcloud auth print-identity-token --impersonate-service-account="$account" \
		--audiences="$(out api_url)" --include-email --quiet 2>/dev/null)" ||
		die "cannot mint an ID token as $account for the API (roles/iam.serviceAccountOpenIdTokenCreator)"
	AUTH=(--header "Authorization: Bearer $token")
{%- else %}
	AUTH=() # the API is public; add your API's authentication here
{%- endif %}
}
{%- endif %}

{%- if cookiecutter.iac == 'terraform' %}
# Reading outputs needs the environment's state (the backend of envs/ENV.backend.hcl).
outputs_of() {
	tf_init "$1" >/dev/null
}
{%- else %}
outputs_of() {
	:
}
{%- endif %}

# ---------------------------------------------------------------------------------- champion
# The model now live in ENV (normally production), for `promote` to score on the same held-out
# rows as the new model. DIR stays empty when nothing is deployed yet: promote then treats the
# new model as the first one.
champion() {
	[[ -n "${1:-}" ]] || usage
	local dir="$1"
	login
	outputs_of "$ENV_NAME"
	rm -rf "$dir"
	mkdir -p "$dir"
	if store_download current/model.json "$dir/model.json"; then
		store_download current/model.joblib "$dir/model.joblib" ||
			die "the model in $ENV_NAME has a model.json but no model.joblib: redeploy it"
		echo "champion: the model live in $ENV_NAME -> $dir"
	else
		rm -f "$dir/model.json"
		echo "champion: no model in $ENV_NAME yet"
	fi
}
{%- if cookiecutter.data_versioning == 'dvc' and cookiecutter.iac != 'none' %}

# ---------------------------------------------------------------------------------- data
# DVC's `cloud` remote (.dvc/config) on ENV's data storage, made this clone's default remote.
# The {% if cookiecutter.cloud == 'azure' %}account{% else %}bucket{% endif %} comes from the infrastructure's outputs; it is written to
# .dvc/config.local (git-ignored). DVC then logs in like the cloud CLI does.
DVC="${DVC:-.venv/bin/dvc}"

data_remote() {
	[[ -x "$DVC" ]] || die "$DVC not found: run 'make install' first"
	login
	outputs_of "$ENV_NAME"
{%- if cookiecutter.cloud == 'azure' %}
	"$DVC" remote modify --local cloud url "azure://$(out data_container_name)/dvc"
	"$DVC" remote modify --local cloud account_name "$(out storage_account_name)"
{%- elif cookiecutter.cloud == 'aws' %}
	"$DVC" remote modify --local cloud url "s3://$(out model_bucket)/data/dvc"
{%- else %}
	"$DVC" remote modify --local cloud url "gs://$(out model_bucket)/data/dvc"
{%- endif %}
	"$DVC" remote default --local cloud
	echo "DVC remote 'cloud' (the default here): the data storage of $ENV_NAME"
}
{%- endif %}
{%- if cookiecutter.experiment_tracking == 'mlflow' and cookiecutter.iac != 'none' and cookiecutter.cloud != 'gcp' %}

# ---------------------------------------------------------------------------------- tracking
# ENV's MLflow tracking server ({% if cookiecutter.cloud == 'azure' %}the Azure ML workspace's MLflow endpoint{% else %}SageMaker managed MLflow{% endif %}), for MLFLOW_TRACKING_URI.
tracking_uri() {
	login >&2
	outputs_of "$ENV_NAME"
	out mlflow_tracking_uri
}
{%- endif %}

# ---------------------------------------------------------------------------------- train
# The training steps under the trainer identity (Azure Pipelines runs them in one logged-in
# step; GitHub Actions {% if cookiecutter.training_compute == 'cloud' %}calls it too{% else %}runs the same commands as steps{% endif %}): {% if cookiecutter.data_versioning == 'dvc' and cookiecutter.iac != 'none' %}DVC's `cloud` remote on ENV's data, {% endif %}{% if cookiecutter.experiment_tracking == 'mlflow' %}ENV's
# tracking server, {% endif %}then {% if cookiecutter.training_compute == 'cloud' %}lint, tests and the data step here, the training image, and the training
# itself as a {{ {'azure': 'command job of Azure ML', 'aws': 'SageMaker training job', 'gcp': 'Vertex AI custom job'}[cookiecutter.cloud] }} (make train-cloud: submit, stream its logs,
# wait, bring the model back into models/), then the quality gate (make evaluate){% else %}`make data` and `make ci`{% endif %}.
train() {
	login
{%- if cookiecutter.data_versioning == 'dvc' and cookiecutter.iac != 'none' %}
	make install
	data_remote
{%- endif %}
{%- if cookiecutter.experiment_tracking == 'mlflow' and cookiecutter.iac != 'none' and cookiecutter.cloud != 'gcp' %}
	MLFLOW_TRACKING_URI="$(tracking_uri)"
	export MLFLOW_TRACKING_URI
{%- endif %}
{%- if cookiecutter.training_compute == 'cloud' %}
	make lint test
	make data
{%- if cookiecutter.feature_store == 'feast' %}
	(features_of_env)
{%- endif %}
	training_image >/dev/null
	training_target
	make train-cloud
	make evaluate
{%- else %}
	make data
{%- if cookiecutter.feature_store == 'feast' %}
	# ENV's cloud stores in a subshell: make ci then trains and tests on the local store.
	(features_of_env)
{%- endif %}
	make ci
{%- endif %}
}
{%- if cookiecutter.feature_store == 'feast' %}

# ---------------------------------------------------------------------------------- features
# `make features` (feast apply, then materialize-incremental) against ENV's cloud stores
# (docs/infrastructure.md, "Feature store in the cloud"): feature_repo/feature_store.cloud.yaml
# with its ${VAR}s from ENV's infrastructure outputs (make features runs the data step first).
# Run as the trainer, which has the rights.
features() {
	login
{%- if cookiecutter.data_versioning == 'dvc' and cookiecutter.iac != 'none' %}
	make install
	data_remote
{%- endif %}
	features_of_env
}

# >>> cloud: the variables feature_store.cloud.yaml names, from ENV's outputs
features_of_env() {
	outputs_of "$ENV_NAME"
	FEATURE_STORE_YAML="$PWD/feature_repo/feature_store.cloud.yaml"
	FEATURE_STORE_REGISTRY="$(out feature_store_registry)"
{%- if cookiecutter.cloud == 'azure' %}
	# Entra ID, no access key (there is none): the caller's token for Azure Cache for Redis
	# (valid about an hour: enough for one materialization) is the password, its object ID
	# (the token's oid claim) the Redis user that the cache's access policy names.
	local host token user
	host="$(out feature_store_redis_host)"
	token="$(az account get-access-token --resource https://redis.azure.com --query accessToken --output tsv)"
	user="$(python3 -c 'import base64, json, sys; p = sys.argv[1].split(".")[1]; print(json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))["oid"])' "$token")"
	FEATURE_STORE_REDIS_CONNECTION="${host}:6380,ssl=true,username=${user},password=${token}"
	export FEATURE_STORE_REDIS_CONNECTION
{%- elif cookiecutter.cloud == 'aws' %}
	AWS_REGION="$(out region)"
	FEATURE_STORE_TABLE_PREFIX="$(out feature_store_table_prefix)"
	export AWS_REGION FEATURE_STORE_TABLE_PREFIX
{%- else %}
	GOOGLE_CLOUD_PROJECT="$(out project_id)"
	FEATURE_STORE_DATASTORE_DATABASE="$(out feature_store_datastore_database)"
	export GOOGLE_CLOUD_PROJECT FEATURE_STORE_DATASTORE_DATABASE
{%- endif %}
	export FEATURE_STORE_YAML FEATURE_STORE_REGISTRY
	echo "features: Feast's cloud stores of $ENV_NAME (registry $FEATURE_STORE_REGISTRY)"
	make features
}
{%- endif %}
{%- if cookiecutter.training_compute == 'cloud' %}

# The image the training job runs: the Dockerfile's `training` stage (the package, no model),
# pushed to ENV's registry under a tag of its own (commit and time: immutable tags never
# collide). The registry's digest, which the job runs, goes into TRAINING_IMAGE and alone to
# stdout (not run in a command substitution: errexit would not stop a failed push there).
training_image() {
	local repository ref
	need docker
	[[ -f Dockerfile ]] || die "Dockerfile not found: the training image is its 'training' stage"
	login >&2
	outputs_of "$ENV_NAME"
	repository="$(out training_image_repository)"
	ref="${repository}:$(short_sha)-$(date -u +%Y%m%d%H%M%S)"
	docker build --pull --target training --tag "$ref" . >&2
	# >>> cloud: the registry login (ENV's {% if cookiecutter.cloud == 'azure' %}Azure Container Registry{% elif cookiecutter.cloud == 'aws' %}ECR{% else %}Artifact Registry{% endif %}, as the trainer)
{%- if cookiecutter.cloud == 'azure' %}
	az acr login --name "$(out registry_name)" >&2
{%- elif cookiecutter.cloud == 'aws' %}
	aws ecr get-login-password | docker login --username AWS --password-stdin "$(out registry_login_server)" >&2
{%- else %}
	gcloud auth configure-docker "$(out registry_login_server)" --quiet >&2
{%- endif %}
	docker push "$ref" >&2
	TRAINING_IMAGE="$(pushed_digest "$ref")"
	export TRAINING_IMAGE
	echo "training image: $TRAINING_IMAGE" >&2
	echo "$TRAINING_IMAGE"
}

# >>> cloud: where `train --on cloud` submits the job, from ENV's infrastructure outputs (the
# variables docs/training.md lists; the job itself runs as the platform's own identity).
training_target() {
	outputs_of "$ENV_NAME"
{%- if cookiecutter.cloud == 'azure' %}
	AZURE_SUBSCRIPTION_ID="$(out subscription_id)"
	AZURE_RESOURCE_GROUP="$(out resource_group_name)"
	AZUREML_WORKSPACE="$(out ml_workspace_name)"
	AZUREML_COMPUTE="$(out training_compute_name)"
	export AZURE_SUBSCRIPTION_ID AZURE_RESOURCE_GROUP AZUREML_WORKSPACE AZUREML_COMPUTE
	echo "training on Azure ML: compute $AZUREML_COMPUTE of workspace $AZUREML_WORKSPACE ($AZURE_RESOURCE_GROUP)"
{%- elif cookiecutter.cloud == 'aws' %}
	AWS_REGION="$(out region)"
	SAGEMAKER_ROLE_ARN="$(out sagemaker_execution_role_arn)"
	TRAINING_STORAGE="$(out training_storage_uri)"
	export AWS_REGION SAGEMAKER_ROLE_ARN TRAINING_STORAGE
	echo "training on SageMaker in $AWS_REGION as $SAGEMAKER_ROLE_ARN, inputs and outputs under $TRAINING_STORAGE"
{%- else %}
	GOOGLE_CLOUD_PROJECT="$(out project_id)"
	GOOGLE_CLOUD_REGION="$(out region)"
	VERTEX_SERVICE_ACCOUNT="$(out vertex_service_account)"
	TRAINING_STORAGE="$(out training_storage_uri)"
	export GOOGLE_CLOUD_PROJECT GOOGLE_CLOUD_REGION VERTEX_SERVICE_ACCOUNT TRAINING_STORAGE
	echo "training on Vertex AI in $GOOGLE_CLOUD_PROJECT/$GOOGLE_CLOUD_REGION as $VERTEX_SERVICE_ACCOUNT, inputs and outputs under $TRAINING_STORAGE"
{%- endif %}
}
{%- endif %}
{%- if cookiecutter.experiment_tracking == 'mlflow' %}

# ---------------------------------------------------------------------------------- promote
# After the approved deployment: the registry's `champion` alias moves to the model version the
# training job registered (the bundle's model.json), with `promote --version N`. Nothing moves
# when the model was trained without ENV's tracking server.
promote() {
	local version
	[[ -f "$BUNDLE/model.json" ]] || die "$BUNDLE/model.json not found: get the build first"
	[[ -x .venv/bin/python ]] || die ".venv/bin/python not found: run 'make install' first"
	version="$(.venv/bin/python -c 'import json, sys; print((json.load(open(sys.argv[1])).get("mlflow") or {}).get("version", ""))' \
		"$BUNDLE/model.json")"
	if [[ -z "$version" ]]; then
		echo "promote: the model has no registered version (trained without $ENV_NAME's tracking server): no alias moved"
		return 0
	fi
{%- if cookiecutter.iac != 'none' and cookiecutter.cloud != 'gcp' %}
	MLFLOW_TRACKING_URI="$(tracking_uri)"
	export MLFLOW_TRACKING_URI
{%- else %}
	[[ -n "${MLFLOW_TRACKING_URI:-}" ]] || die "set MLFLOW_TRACKING_URI to $ENV_NAME's tracking server (docs/ci-cd.md)"
{%- endif %}
	.venv/bin/python -m {{ cookiecutter.package_name }} promote --config configs/train.toml --version "$version"
}
{%- endif %}

command="${1:-}"
case "$command" in
bundle) bundle ;;
{%- if cookiecutter.serving == 'fastapi' %}
image) image ;;
{%- endif %}
plan | apply | guard | deploy | smoke | train{% if cookiecutter.training_compute == 'cloud' %} | training-image{% endif %}{% if cookiecutter.feature_store == 'feast' %} | features{% endif %} | champion{% if cookiecutter.experiment_tracking == 'mlflow' %} | promote{% endif %}{% if cookiecutter.data_versioning == 'dvc' and cookiecutter.iac != 'none' %} | data-remote{% endif %}{% if cookiecutter.experiment_tracking == 'mlflow' and cookiecutter.iac != 'none' and cookiecutter.cloud != 'gcp' %} | tracking-uri{% endif %})
	# ENV, then the command's own argument (apply's PLANFILE, champion's DIR).
	ENV_NAME="${2:-}"
	env_short "$ENV_NAME" >/dev/null
	shift 2
	"${command//-/_}" "$@"
	;;
*) usage ;;
esac
