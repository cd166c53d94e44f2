"""Parse command lines with a real cloud CLI's own parser, stopping before any network call.

Run by tests/test_cloud_contract.py with the Python that has the CLI (not the test venv):
    python cli_parse.py az|aws|gcloud < [[argv...], ...]   (JSON)  ->  [error or null, ...]
Each command is parsed in-process, exactly as the CLI parses it, then stopped:
- az (azure-cli): the real invocation (`AzCliCommandInvoker.execute`) loads the command table
  and the command's arguments and runs its argparse parser; a handler of the event the
  invoker raises right after parsing (`EVENT_INVOKER_POST_PARSE_ARGS`) stops it there, before
  the argument validators and the command, which may call Azure.
- aws (awscli): the real driver (`awscli.clidriver.create_clidriver().main`) parses the global
  options, the service, the operation and its arguments; a handler of
  `operation-args-parsed.*` (service operations, before the request is built) stops it, and
  the custom commands (`s3 cp`, `ecr get-login-password`, waiters) stop at `_run_main`, which
  runs only after their arguments parsed.
- gcloud (the Cloud SDK on the machine, not on the package index): the CLI's own calliope
  parser (`gcloud_main.CreateCLI`) parses the whole line, command groups and flags, then we
  return before `Execute` would run the command.
No credentials exist (a throwaway config directory); unknown commands or flags, missing
required arguments and invalid choices are errors.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sys
import tempfile


class Parsed(BaseException):
    """Raised where the CLI has parsed the command line and would start working."""


def _stop(*_args: object, **_kwargs: object) -> None:
    raise Parsed


def _spell_out_flags() -> None:
    """Flags must be spelt out: argparse would take any unambiguous prefix (`--auth-mod`)."""
    import argparse  # after the CLI set its path up: gcloud brings an argparse of its own

    prefixes = argparse.ArgumentParser._get_option_tuples

    def spelt_out(self: argparse.ArgumentParser, option_string: str) -> list:
        name = option_string.split("=", 1)[0]
        return [t for t in prefixes(self, option_string)
                if t[1] == name or not name.startswith("--")]  # fmt: skip

    argparse.ArgumentParser._get_option_tuples = spelt_out


def _run(parse, argv: list[str]) -> str | None:
    # at the descriptor: gcloud's logger writes to the stderr it found at start-up
    with tempfile.TemporaryFile("w+") as err:
        saved = os.dup(2)
        os.dup2(err.fileno(), 2)
        try:
            with (
                contextlib.redirect_stderr(sys.__stderr__),
                contextlib.redirect_stdout(io.StringIO()),
            ):
                parse(argv)
        except Parsed:
            return None
        except SystemExit as exc:
            message = f"exit {exc.code}"
        except Exception as exc:
            message = f"{type(exc).__name__}: {exc}"
        else:
            message = "the CLI returned before it parsed the whole command"
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
        err.seek(0)
        return f"{message}\n{err.read().strip()}"


def az_parser():
    from azure.cli.core import get_default_cli
    from knack.events import EVENT_INVOKER_POST_PARSE_ARGS

    def parse(argv: list[str]) -> None:
        cli = get_default_cli()
        cli.register_event(EVENT_INVOKER_POST_PARSE_ARGS, _stop)
        invocation = cli.invocation_cls(
            cli_ctx=cli,
            parser_cls=cli.parser_cls,
            commands_loader_cls=cli.commands_loader_cls,
            help_cls=cli.help_cls,
        )
        cli.invocation = invocation
        invocation.execute(argv)

    return parse


def aws_parser():
    from awscli.clidriver import create_clidriver
    from awscli.customizations.commands import BasicCommand

    def parse(argv: list[str]) -> None:
        driver = create_clidriver()
        # custom commands (every class defining it): arguments parsed, the work not started
        pending = [BasicCommand]
        while pending:
            cls = pending.pop()
            pending += cls.__subclasses__()
            if "_run_main" in vars(cls):
                cls._run_main = _stop
        driver.session.register("operation-args-parsed", _stop)
        rc = driver.main(argv)
        if rc:
            raise SystemExit(rc)

    return parse


def gcloud_parser():
    root = os.environ.get("CLOUDSDK_ROOT_DIR", "/usr/lib/google-cloud-sdk")
    # what the SDK's own entry point (lib/gcloud.py) puts first on the path
    sys.path[:0] = [os.path.join(root, "lib", "third_party"), os.path.join(root, "lib")]
    from googlecloudsdk import gcloud_main
    from googlecloudsdk.calliope import backend

    backend.Command.Run = _stop  # CLI.Execute calls it once the whole line parsed
    cli = gcloud_main.CreateCLI([])

    def parse(argv: list[str]) -> None:
        cli.Execute(argv, call_arg_complete=False)

    return parse


def _parse_typed(parse, argv: list[str]) -> str | None:
    """Parse argv; a placeholder given to a number flag (`--min-replicas "$(out ...)"`) is
    retried as a number: only commands and flags are checked, not values."""
    error = _run(parse, argv)
    number = re.compile(r"argument (--[\w-]+): invalid (?:int|float) value: 'placeholder'")
    while error and (found := number.search(error)):
        at = argv.index(found[1]) + 1 if found[1] in argv else -1
        if at <= 0 or at >= len(argv) or argv[at] != "placeholder":
            break
        argv = [*argv[:at], "1", *argv[at + 1 :]]
        error = _run(parse, argv)
    return error


def main() -> int:
    tool = sys.argv[1]
    commands = json.load(sys.stdin)
    home = tempfile.mkdtemp(prefix="cli-parse-")
    os.environ.update(
        HOME=home,
        AZURE_CONFIG_DIR=os.path.join(home, "azure"),
        AZURE_CORE_COLLECT_TELEMETRY="no",
        AZURE_CORE_NO_COLOR="true",
        AZURE_EXTENSION_USE_DYNAMIC_INSTALL="no",
        AWS_CONFIG_FILE=os.path.join(home, "aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=os.path.join(home, "aws-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        AWS_DEFAULT_REGION="eu-west-1",
        CLOUDSDK_CONFIG=os.path.join(home, "gcloud"),
        CLOUDSDK_CORE_DISABLE_PROMPTS="1",
        CLOUDSDK_CORE_DISABLE_USAGE_REPORTING="true",
        CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK="true",
    )
    parse = {"az": az_parser, "aws": aws_parser, "gcloud": gcloud_parser}[tool]()
    _spell_out_flags()
    json.dump([_parse_typed(parse, argv) for argv in commands], sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
