"""What CloudFormation would refuse before creating anything: for each parameter variant given,
template.yaml is transformed by SAM's own translator (as the AWS::Serverless transform does, with
those parameter values), its Conditions evaluated, the resources whose condition is false dropped,
and the branch of each Fn::If that applies followed. Then every Ref, GetAtt, ${...} and DependsOn
must name a resource that exists in that variant, and the resources must not depend on each other
in a circle. Prints, per variant, the resources it has, what is missing and the first cycle found,
as JSON.

usage: cfn_graph.py TEMPLATE VARIANT_JSON...   (each VARIANT_JSON: {"name": ..., "parameters": {...}})
Runs with .venv-sam's python (SAM's translator lives there).
"""
import copy
import json
import os
import re
import sys

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
from samcli.yamlhelper import yaml_parse  # noqa: E402
from samtranslator.translator.transform import transform  # noqa: E402

PSEUDO = {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws", "AWS::StackName": "password-reset",
          "AWS::URLSuffix": "amazonaws.com", "AWS::NoValue": None, "AWS::StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/password-reset/0f1e2d3c-aaaa"}


class Policies:
    def load(self):
        return {}


def variant(template_text, params):
    tpl = yaml_parse(template_text)
    # SAM insists on an S3 location once the template is packaged; the path does not matter here.
    tpl["Globals"]["Function"]["CodeUri"] = "s3://bucket/key"
    out = transform(copy.deepcopy(tpl), dict(params), Policies())
    values = {k: str(p.get("Default", "")) for k, p in out.get("Parameters", {}).items()}
    values.update(params)
    conditions = {}

    def cond(name):
        if name not in conditions:
            conditions[name] = bool(evaluate(out["Conditions"][name]))
        return conditions[name]

    def evaluate(v):
        if isinstance(v, dict) and len(v) == 1:
            (k, a), = v.items()
            if k == "Fn::Equals":
                return str(evaluate(a[0])) == str(evaluate(a[1]))
            if k == "Fn::And":
                return all(evaluate(x) for x in a)
            if k == "Fn::Or":
                return any(evaluate(x) for x in a)
            if k == "Fn::Not":
                return not evaluate(a[0])
            if k == "Condition":
                return cond(a)
            if k == "Ref":
                return PSEUDO[a] if a in PSEUDO else values[a]
        return v

    resources = {n: r for n, r in out["Resources"].items() if "Condition" not in r or cond(r["Condition"])}
    edges = {n: set() for n in resources}
    missing = []

    def refer(source, target):
        target = target.split(".")[0]
        if target in PSEUDO or target in values:
            return
        if target not in resources:
            missing.append(f"{source} -> {target}")
        else:
            edges[source].add(target)

    def walk(source, v):
        if isinstance(v, dict):
            if len(v) == 1:
                (k, a), = v.items()
                if k == "Fn::If":
                    return walk(source, a[1] if cond(a[0]) else a[2])
                if k == "Ref":
                    return refer(source, a)
                if k == "Fn::GetAtt":
                    return refer(source, a[0] if isinstance(a, list) else a.split(".")[0])
                if k == "Fn::Sub":
                    text, names = (a, {}) if isinstance(a, str) else (a[0], a[1])
                    for name in re.findall(r"\$\{([^}!][^}]*)\}", text):
                        if name not in names:
                            refer(source, name)
                    return walk(source, names)
            for x in v.values():
                walk(source, x)
        elif isinstance(v, list):
            for x in v:
                walk(source, x)

    for name, r in resources.items():
        walk(name, r.get("Properties", {}))
        walk(name, r.get("UpdatePolicy", {}))
        depends = r.get("DependsOn", [])
        for d in [depends] if isinstance(depends, str) else depends:
            refer(name, d)

    # A cycle, by depth-first search (white/grey/black).
    state, stack = {}, []

    def visit(n):
        state[n] = "grey"
        stack.append(n)
        for m in sorted(edges[n]):
            if state.get(m) == "grey":
                return stack[stack.index(m):] + [m]
            if m not in state:
                found = visit(m)
                if found:
                    return found
        stack.pop()
        state[n] = "black"
        return None

    cycle = None
    for n in sorted(resources):
        if n not in state:
            cycle = visit(n)
            if cycle:
                break
    return {"resources": len(resources), "names": sorted(resources), "missing": sorted(set(missing)), "cycle": cycle}


if __name__ == "__main__":
    text = open(sys.argv[1]).read()
    report = {}
    for arg in sys.argv[2:]:
        v = json.loads(arg)
        report[v["name"]] = variant(text, v["parameters"])
    print(json.dumps(report))
