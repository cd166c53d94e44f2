# The image GitLab's delivery jobs run in, built by the `deployer` job into this project's
# container registry: the {% if cookiecutter.cloud == 'azure' %}Azure{% elif cookiecutter.cloud == 'aws' %}AWS{% else %}Google Cloud{% endif %} CLI, plus Terraform, the Docker CLI and uv copied
# from their official images, each at an exact version; git (deploy.sh's guard) and make from
# the base's packages; the project's Python installed by uv (the `bundle` job trains here, as
# the trainer, and the production job runs `promote`). Bump them here (or let Renovate do it).
FROM hashicorp/terraform:1.10.5 AS terraform
FROM docker:27.5.1-cli AS docker
FROM ghcr.io/astral-sh/uv:0.13.9 AS uv

{%- if cookiecutter.cloud == 'azure' %}

FROM mcr.microsoft.com/azure-cli:2.67.0
# Azure Linux (tdnf)
RUN tdnf install -y git make tar && tdnf clean all
{%- elif cookiecutter.cloud == 'aws' %}

FROM amazon/aws-cli:2.22.35
ENTRYPOINT []
# Amazon Linux 2 (yum): the image has neither git nor make; unpinned packages: the base's
# current security updates, not a frozen version
# hadolint ignore=DL3033
RUN yum install -y git make tar gzip && yum clean all && rm -rf /var/cache/yum
{%- else %}

FROM gcr.io/google.com/cloudsdktool/google-cloud-cli:573.0.0-stable
# Debian (apt); unpinned packages: the base's current security updates, not a frozen version
# hadolint ignore=DL3008
RUN apt-get update && apt-get install -y --no-install-recommends git make && \
    rm -rf /var/lib/apt/lists/*
{%- endif %}
COPY --from=terraform /bin/terraform /usr/local/bin/terraform
COPY --from=docker /usr/local/bin/docker /usr/local/bin/docker
COPY --from=uv /uv /uvx /usr/local/bin/
# The project's Python (`python{{ cookiecutter.python_version }}` on the PATH): a uv-managed build, whatever the base's own Python.
ARG PYTHON_VERSION={{ cookiecutter.python_version }}
ENV UV_PYTHON_INSTALL_DIR=/opt/uv-python UV_PYTHON_BIN_DIR=/usr/local/bin
RUN uv python install "$PYTHON_VERSION"
