# tflint for the rendered gcp variant (.github/workflows/ci.yml, job variants): Terraform's own
# recommended rules plus the google ruleset. Dependabot does not bump these; update the versions
# by hand with the tflint version in the workflow.
config {
  call_module_type = "local"
}

plugin "terraform" {
  enabled = true
  preset  = "recommended"
}

plugin "google" {
  enabled = true
  version = "0.39.0"
  source  = "github.com/terraform-linters/tflint-ruleset-google"
}
