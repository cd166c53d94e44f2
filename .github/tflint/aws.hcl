# tflint for the rendered aws variant (.github/workflows/ci.yml, job variants): Terraform's own
# recommended rules plus the aws ruleset. Dependabot does not bump these; update the versions
# by hand with the tflint version in the workflow.
config {
  call_module_type = "local"
}

plugin "terraform" {
  enabled = true
  preset  = "recommended"
}

plugin "aws" {
  enabled = true
  version = "0.48.0"
  source  = "github.com/terraform-linters/tflint-ruleset-aws"
}
