"""Prints template.yaml (or the file named) as JSON, parsed by cfn-lint's own CloudFormation YAML
reader: short-form intrinsics (!Ref, !Sub, !If ...) become their long form ({"Ref": ...}), so the
template tests read the template's structure instead of matching its text."""
import json
import sys

from cfnlint.decode import decode

template, errors = decode(sys.argv[1] if len(sys.argv) > 1 else "template.yaml")
if errors:
    sys.exit("\n".join(str(e) for e in errors))
json.dump(template, sys.stdout)
