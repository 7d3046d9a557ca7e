"""The environment `sam local invoke` would give each function: SAM CLI's own resolution of the
template (parameters, Globals, intrinsics) and of an `--env-vars` file, without Docker.

Usage: .venv-sam/bin/python tests/sam_local_env.py TEMPLATE ENV_VARS_FILE [Name=Value ...]
Prints {"<FunctionLogicalId>": {"VAR": "value", ...}, ...} as JSON.

This uses SAM CLI's internals (pinned in scripts/sam-requirements.txt), so a SAM upgrade that
moves them fails the test that runs this, loudly.
"""

import json
import sys

from samcli.commands.local.lib.local_lambda import LocalLambdaRunner
from samcli.lib.providers.sam_function_provider import SamFunctionProvider
from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider


def main() -> None:
    template, env_file, *overrides = sys.argv[1:]
    parameters = dict(o.split("=", 1) for o in overrides)
    stacks, _ = SamLocalStackProvider.get_stacks(template, parameter_overrides=parameters)
    with open(env_file, encoding="utf-8") as f:
        env_values = json.load(f)
    runner = LocalLambdaRunner.__new__(LocalLambdaRunner)
    # What LocalLambdaRunner.__init__ would set from the command line: the env file, no profile,
    # placeholder credentials (moto accepts any).
    runner.env_vars_values = env_values
    runner.aws_profile = None
    runner.aws_region = "us-east-1"
    runner.debug_context = None
    runner._boto3_session_creds = {"key": "test", "secret": "test", "sessiontoken": None, "region": "us-east-1"}
    runner._boto3_region = "us-east-1"
    out = {fn.name: runner._make_env_vars(fn).resolve() for fn in SamFunctionProvider(stacks).get_all()}
    print(json.dumps(out, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
