#!/usr/bin/env python3
"""Offline schema validation of Kubernetes manifests, as the API server would judge them.

- Core objects (every apiVersion that is not *.istio.io) are checked against the strict
  JSON schemas that kubernetes-validate ships for a Kubernetes version: wrong types, missing
  required fields and unknown fields are all errors.
- Istio objects are checked against the openAPIV3Schema of the matching CRD and version in
  schemas/istio-crds.gen.yaml. Made strict the way the API server is: a field the structural
  schema does not declare would be pruned (dropped silently), so here it is an error. Also
  checked: `nullable`, list-type map/set uniqueness, and the CRDs' CEL rules
  (x-kubernetes-validations) when cel-python is installed. metadata is checked against the
  core ObjectMeta schema.

Usage:
  validate.py [--k8s-version 1.30 ...] FILE...            every object must be valid
  validate.py --expect-invalid FILE...                     every object must be rejected; a
      document may carry `# expect-error: TEXT` lines, and then one of its errors must
      contain each TEXT (so it is rejected for the intended reason)

FILE may be `-` for standard input. Exit status: 0 when every object meets the expectation,
1 otherwise, 2 on a usage or setup error.
"""

import argparse
import copy
import json
import re
import sys
from importlib import resources
from pathlib import Path

import jsonschema
import yaml
from referencing import Registry, Resource

try:  # optional: evaluates the CRDs' x-kubernetes-validations rules
    import celpy
    import celpy.celtypes
except ImportError:  # pragma: no cover - reported at run time
    celpy = None

HERE = Path(__file__).resolve().parent
CRD_FILE = HERE / "schemas" / "istio-crds.gen.yaml"
DEFS_ID = "https://kubernetes.io/api/_definitions.json"
OBJECT_META = {"$ref": DEFS_ID + "#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}


class SetupError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Input


def documents(path):
    """Yields (index, object, expected-error substrings) for each YAML document in path."""
    text = sys.stdin.read() if path == "-" else Path(path).read_text()
    chunks = re.split(r"^---[ \t]*$", text, flags=re.M)
    index = 0
    for chunk in chunks:
        expect = [m.strip() for m in re.findall(r"^#\s*expect-error:(.*)$", chunk, flags=re.M)]
        try:
            obj = yaml.safe_load(chunk)
        except yaml.YAMLError as e:
            raise SetupError(f"{path}: document {index}: not YAML: {e}")
        if obj is None:
            continue
        yield index, obj, expect
        index += 1


def path_str(parts):
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "(object)"


# ---------------------------------------------------------------------------------------------
# Core objects: kubernetes-validate's strict schemas


def k8s_schema_root():
    return resources.files("kubernetes_validate") / "kubernetes-json-schema"


def k8s_versions():
    names = [p.name for p in k8s_schema_root().iterdir()]
    found = sorted({m.group(1) for n in names if (m := re.match(r"^v(\d+\.\d+)\.0-local-strict$", n))},
                   key=lambda v: tuple(int(x) for x in v.split(".")))
    return found


class CoreValidator:
    def __init__(self, version):
        self.version = version
        self.dir = k8s_schema_root() / f"v{version}.0-local-strict"
        if not self.dir.is_dir():
            raise SetupError(
                f"kubernetes-validate has no schemas for Kubernetes {version}; "
                f"it has: {', '.join(k8s_versions())}")
        defs = json.loads((self.dir / "_definitions.json").read_text())
        self.registry = Resource.from_contents(defs) @ Registry()
        self.cache = {}

    def schema_for(self, api_version, kind):
        # kubernetes-validate's file naming: rbac.authorization.k8s.io/v1 -> rbac-v1
        api = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
        name = f"{kind.lower()}-{api}.json"
        if name not in self.cache:
            f = self.dir / name
            self.cache[name] = json.loads(f.read_text()) if f.is_file() else None
        return self.cache[name]

    def errors(self, obj):
        schema = self.schema_for(obj["apiVersion"], obj["kind"])
        if schema is None:
            return [("(object)", f"no kind {obj['kind']} in {obj['apiVersion']}")]
        v = jsonschema.Draft202012Validator(schema, registry=self.registry)
        return [(path_str(e.absolute_path), e.message) for e in v.iter_errors(obj)]


# ---------------------------------------------------------------------------------------------
# Istio objects: CRD schemas, made strict


def strict_schema(node):
    """A copy of a CRD structural schema that rejects what the API server would prune."""
    if isinstance(node, list):
        return [strict_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: strict_schema(v) for k, v in node.items()}
    if out.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    if (out.get("type") == "object" or "properties" in out) \
            and "additionalProperties" not in out \
            and not out.get("x-kubernetes-preserve-unknown-fields"):
        out["additionalProperties"] = False
    return out


def list_type_checker(validator, list_type, instance, schema):
    """x-kubernetes-list-type: items of a set, and map keys of a map, must be unique."""
    if not isinstance(instance, list):
        return
    if list_type == "set":
        seen = []
        for item in instance:
            if item in seen:
                yield jsonschema.ValidationError(f"duplicate entry {item!r} in a list-type=set")
            seen.append(item)
    elif list_type == "map":
        keys = schema.get("x-kubernetes-list-map-keys", [])
        seen = set()
        for item in instance:
            if not isinstance(item, dict):
                continue
            key = tuple(json.dumps(item.get(k), sort_keys=True) for k in keys)
            if key in seen:
                yield jsonschema.ValidationError(
                    f"duplicate entry for key(s) {', '.join(keys)} = {', '.join(key)}")
            seen.add(key)


class CelRules:
    """Evaluates x-kubernetes-validations rules with cel-python, plus the Kubernetes CEL
    extensions the Istio CRDs use (substring, isURL, url, getScheme)."""

    def __init__(self):
        self.env = celpy.Environment()
        self.programs = {}
        t = celpy.celtypes

        def substring(s, start, end=None):
            return t.StringType(str(s)[int(start):] if end is None else str(s)[int(start):int(end)])

        def is_url(s):
            from urllib.parse import urlsplit
            try:
                u = urlsplit(str(s))
            except ValueError:
                return t.BoolType(False)
            return t.BoolType(bool(u.scheme) or str(s).startswith("/"))

        def get_scheme(u):
            from urllib.parse import urlsplit
            return t.StringType(urlsplit(str(u)).scheme)

        self.functions = {"substring": substring, "isURL": is_url,
                          "url": lambda s: t.StringType(str(s)), "getScheme": get_scheme}
        self.unevaluated = set()

    def check(self, rule, message, instance):
        """Returns an error message, or None when the rule holds or could not be evaluated."""
        try:
            prog = self.programs.get(rule)
            if prog is None:
                prog = self.env.program(self.env.compile(rule), functions=self.functions)
                self.programs[rule] = prog
            result = prog.evaluate({"self": celpy.json_to_cel(instance)})
        except Exception as e:  # noqa: BLE001 - cel-python raises several kinds
            self.unevaluated.add(f"{rule!r}: {type(e).__name__}")
            return None
        if isinstance(result, Exception):
            self.unevaluated.add(f"{rule!r}: {result}")
            return None
        if result is True or (isinstance(result, celpy.celtypes.BoolType) and bool(result)):
            return None
        return message or f"failed rule: {rule}"


def make_cel_checker(cel):
    def checker(validator, rules, instance, schema):
        if cel is None:
            return
        for r in rules:
            problem = cel.check(r["rule"], r.get("message"), instance)
            if problem:
                yield jsonschema.ValidationError(problem)
    return checker


class IstioValidator:
    def __init__(self, crd_file, defs_registry, cel):
        self.registry = defs_registry
        self.schemas = {}  # (group, kind) -> {version: (served, schema)}
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser, when built
        for crd in yaml.load_all(Path(crd_file).read_text(), Loader=loader):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            spec = crd["spec"]
            versions = {}
            for v in spec["versions"]:
                schema = strict_schema(v["schema"]["openAPIV3Schema"])
                schema.setdefault("properties", {}).update({
                    "apiVersion": {"type": "string"},
                    "kind": {"type": "string"},
                    "metadata": OBJECT_META,
                })
                schema["required"] = sorted(set(schema.get("required", [])) | {"metadata"})
                versions[v["name"]] = (v.get("served", False), schema)
            self.schemas[(spec["group"], spec["names"]["kind"])] = versions
        base = jsonschema.Draft202012Validator
        self.validator_class = jsonschema.validators.extend(base, {
            "x-kubernetes-list-type": list_type_checker,
            "x-kubernetes-validations": make_cel_checker(cel),
        })

    def known(self):
        return sorted(f"{g}/{k}" for g, k in self.schemas)

    def errors(self, obj):
        group, _, version = obj["apiVersion"].rpartition("/")
        versions = self.schemas.get((group, obj["kind"]))
        if versions is None:
            kinds = ", ".join(sorted(k for g, k in self.schemas if g == group)) or "none"
            return [("(object)", f"no Istio CRD for kind {obj['kind']} in group {group!r} "
                                 f"(kinds in that group: {kinds})")]
        if version not in versions or not versions[version][0]:
            served = ", ".join(sorted(v for v, (s, _) in versions.items() if s))
            return [("apiVersion", f"{obj['apiVersion']} is not served for {obj['kind']}; "
                                   f"served versions: {served}")]
        v = self.validator_class(versions[version][1], registry=self.registry)
        return [(path_str(e.absolute_path), e.message) for e in v.iter_errors(obj)]


# ---------------------------------------------------------------------------------------------


def describe(obj):
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    return f"{obj.get('kind', '?')}/{meta.get('name', '?')} ({obj.get('apiVersion', '?')})"


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--k8s-version", action="append", dest="k8s_versions",
                    help="Kubernetes minor version(s) for core objects (default: 1.30)")
    ap.add_argument("--expect-invalid", action="store_true",
                    help="negative fixtures: every object must be rejected")
    ap.add_argument("--label", help="name for the input in messages")
    ap.add_argument("--summary-json", help="append one JSON line of counts to this file")
    ap.add_argument("files", nargs="+")
    args = ap.parse_args(argv)
    k8s_versions_wanted = args.k8s_versions or ["1.30"]

    try:
        core = [CoreValidator(v) for v in k8s_versions_wanted]
        cel = CelRules() if celpy is not None else None
        istio = IstioValidator(CRD_FILE, core[0].registry, cel)
    except SetupError as e:
        print(f"validate: {e}", file=sys.stderr)
        return 2

    counts = {"core": 0, "istio": 0, "failed": 0}
    for f in args.files:
        label = args.label or f
        try:
            docs = list(documents(f))
        except (SetupError, OSError) as e:
            print(f"FAIL {label}: {e}")
            counts["failed"] += 1
            continue
        for index, obj, expect in docs:
            where = f"{label}: {describe(obj)}"
            if not isinstance(obj, dict) or not isinstance(obj.get("apiVersion"), str) \
                    or not isinstance(obj.get("kind"), str):
                errs = [("(object)", "not a Kubernetes object: apiVersion and kind are required")]
                family = "core"
            elif obj["apiVersion"].split("/")[0].endswith(".istio.io"):
                errs = istio.errors(obj)
                family = "istio"
            else:
                # The same error under several Kubernetes versions is reported once.
                by_error = {}
                for cv in core:
                    for e in cv.errors(obj):
                        by_error.setdefault(e, []).append(cv.version)
                errs = [(p, m if len(core) == 1 else f"{m} [Kubernetes {', '.join(vs)}]")
                        for (p, m), vs in by_error.items()]
                family = "core"
            counts[family] += 1
            if not args.expect_invalid:
                if errs:
                    counts["failed"] += 1
                    for p, m in errs:
                        print(f"ERROR {where}: {p}: {m}")
                continue
            # negative fixture
            if not expect:
                counts["failed"] += 1
                print(f"FAIL {where}: a negative fixture needs an `# expect-error: TEXT` line")
                continue
            if not errs:
                counts["failed"] += 1
                print(f"FAIL {where}: accepted, but this fixture must be rejected")
                continue
            texts = [f"{p}: {m}" for p, m in errs]
            missing = [x for x in expect if not any(x in t for t in texts)]
            if missing:
                counts["failed"] += 1
                print(f"FAIL {where}: rejected, but not for the expected reason "
                      f"{missing!r}; errors were:")
                for t in texts:
                    print(f"       {t}")
            else:
                print(f"rejected as expected: {where}: {texts[0]}")

    if cel is None:
        print("note: cel-python is not installed; CEL rules (x-kubernetes-validations) were "
              "not evaluated", file=sys.stderr)
    elif cel.unevaluated:
        for r in sorted(cel.unevaluated):
            print(f"note: CEL rule not evaluated: {r}", file=sys.stderr)
    if args.summary_json:
        with open(args.summary_json, "a") as out:
            out.write(json.dumps({"label": args.label, **counts}) + "\n")
    return 1 if counts["failed"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
