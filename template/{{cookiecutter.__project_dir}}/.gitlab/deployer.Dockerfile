# The image GitLab's deploy jobs run in, built by the `deployer` job into this project's
# container registry: the {% if cookiecutter.cloud == 'azure' %}Azure{% elif cookiecutter.cloud == 'aws' %}AWS{% else %}Google Cloud{% endif %} CLI, plus Terraform and the Docker CLI copied
# from their official images, each at an exact version. Bump them here (or let Renovate do it).
FROM hashicorp/terraform:1.10.5 AS terraform
FROM docker:27.5.1-cli AS docker

{%- if cookiecutter.cloud == 'azure' %}

FROM mcr.microsoft.com/azure-cli:2.67.0
{%- elif cookiecutter.cloud == 'aws' %}

FROM amazon/aws-cli:2.22.35
ENTRYPOINT []
{%- else %}

FROM gcr.io/google.com/cloudsdktool/google-cloud-cli:573.0.0-stable
{%- endif %}
COPY --from=terraform /bin/terraform /usr/local/bin/terraform
COPY --from=docker /usr/local/bin/docker /usr/local/bin/docker
