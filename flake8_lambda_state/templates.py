"""Handlers declared in infrastructure templates: SAM/CloudFormation
(`template.yaml`, `template.yml`, `template.json`) and the Serverless
Framework (`serverless.yml`). A function named there is a handler whatever
its name, and the template says how Lambda runs it: with SnapStart, or on
Managed Instances (SPEC "Snapshots and concurrent processes"). Templates are
found by walking up from each checked file to the repository root, or named
with --lambda-templates."""
import json
import os
import sys
from functools import lru_cache
from typing import Dict, FrozenSet, Iterable, List, Optional, Tuple

TEMPLATE_NAMES = ("template.yaml", "template.yml", "template.json", "serverless.yml",
                  "serverless.yaml")
FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")
# How a template runs a function (LAM5xx apply only to functions run so).
SNAPSTART, MANAGED_INSTANCES = "snapstart", "managed-instances"

_warned = set()
_parsed: Dict[str, Tuple[Optional[Tuple[int, int]], tuple]] = {}   # path -> (stamp, functions)
_by_file: Dict[str, Dict[str, Dict[str, FrozenSet[str]]]] = {}   # path -> file -> function -> features


class TemplateError(Exception):
    pass


@lru_cache(maxsize=1)
def _yaml_loader():
    """PyYAML and its safe loader for templates, built once: libyaml's
    CSafeLoader where PyYAML was built with it (seven times faster on
    serverless-patterns' 516 templates, the same documents), else SafeLoader."""
    import yaml

    class CloudFormationLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
        """A safe loader that reads CloudFormation's short-form tags (!Ref,
        !GetAtt, !Sub, !If, ...) as the long form {"Fn::X": value}."""

    def short_form(loader, tag_suffix, node):
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        name = tag_suffix if tag_suffix == "Ref" else f"Fn::{tag_suffix}"
        return {name: value}

    CloudFormationLoader.add_multi_constructor("!", short_form)
    return yaml, CloudFormationLoader


def load_template(path: str):
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        if path.endswith(".json"):
            return json.loads(text)
        yaml, loader = _yaml_loader()
        return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader subclass
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise TemplateError(f"{path}: cannot read template: {exc}") from None
    except Exception as exc:  # yaml.YAMLError and its subclasses
        raise TemplateError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from None


def _python(runtime) -> bool:
    return not isinstance(runtime, str) or runtime.startswith("python")


def resolve_handler(base: str, code_dir, handler) -> Optional[Tuple[str, str]]:
    """('/abs/src/app.py', 'lambda_handler') for CodeUri 'src', Handler 'app.lambda_handler'."""
    if not isinstance(handler, str) or "." not in handler:
        return None
    module, function = handler.rsplit(".", 1)
    code_dir = code_dir if isinstance(code_dir, str) else ""
    if "://" in code_dir:
        return None
    rel = module.replace(".", "/") if "/" not in module else module
    path = os.path.normpath(os.path.join(base, code_dir, rel + ".py"))
    return path, function


def _mapping(value, path: str, where: str) -> dict:
    """A template section that must be a mapping when present."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TemplateError(f"{path}: {where} is a {type(value).__name__}, not a mapping; "
                            f"the template is ignored")
    return value


def _sam_features(props: dict, globals_: dict) -> FrozenSet[str]:
    """`SnapStart: {ApplyOn: PublishedVersions}` and `CapacityProviderConfig`
    on the function, else under `Globals: Function:`."""
    features = set()
    snap = props.get("SnapStart", globals_.get("SnapStart"))
    if isinstance(snap, dict) and snap.get("ApplyOn") == "PublishedVersions":
        features.add(SNAPSTART)
    if props.get("CapacityProviderConfig", globals_.get("CapacityProviderConfig")):
        features.add(MANAGED_INSTANCES)
    return frozenset(features)


def _serverless_features(spec: dict) -> FrozenSet[str]:
    """`snapStart: true` and `capacityProvider: <name>` on a function."""
    features = set()
    if spec.get("snapStart") is True:
        features.add(SNAPSTART)
    if spec.get("capacityProvider"):
        features.add(MANAGED_INSTANCES)
    return frozenset(features)


def functions_in(path: str) -> List[Tuple[str, str, FrozenSet[str]]]:
    """(file, function, features) for each Python function a template
    declares, features being SNAPSTART / MANAGED_INSTANCES; raises TemplateError."""
    data = load_template(path)
    if not isinstance(data, dict):
        return []
    base = os.path.dirname(os.path.abspath(path))
    out = []
    if os.path.basename(path).startswith("serverless"):
        provider = data.get("provider") if isinstance(data.get("provider"), dict) else {}
        functions = data.get("functions") or {}
        for spec in (functions.values() if isinstance(functions, dict) else ()):
            if isinstance(spec, dict) and _python(spec.get("runtime", provider.get("runtime"))):
                found = resolve_handler(base, "", spec.get("handler"))
                if found:
                    out.append(found + (_serverless_features(spec),))
        return out
    globals_ = _mapping(_mapping(data.get("Globals"), path, "Globals").get("Function"), path,
                        "Globals.Function")
    resources = data.get("Resources") or {}
    for resource in (resources.values() if isinstance(resources, dict) else ()):
        if not isinstance(resource, dict) or resource.get("Type") not in FUNCTION_TYPES:
            continue
        props = resource.get("Properties") or {}
        if not isinstance(props, dict):
            continue
        if not _python(props.get("Runtime", globals_.get("Runtime"))):
            continue
        handler = props.get("Handler", globals_.get("Handler"))
        serverless = resource["Type"].startswith("AWS::Serverless")
        code = props.get("CodeUri", globals_.get("CodeUri")) if serverless else props.get("Code")
        found = resolve_handler(base, code, handler)
        if found:
            out.append(found + (_sam_features(props, globals_ if serverless else {}),))
    return out


def handlers_in(path: str) -> List[Tuple[str, str]]:
    """(file, function) pairs a template declares; raises TemplateError."""
    return [(file, function) for file, function, _features in functions_in(path)]


def warn(message: str):
    """Print a template problem once per process, never raise."""
    if message not in _warned:
        _warned.add(message)
        print(f"flake8-lambda-state: warning: {message}", file=sys.stderr)


def _read_functions(path: str) -> Tuple[Tuple[str, str, FrozenSet[str]], ...]:
    try:
        return tuple(functions_in(path))
    except TemplateError as exc:
        warn(str(exc))
    except Exception as exc:  # noqa: BLE001 - a shape we did not foresee: the template, not the files
        warn(f"{path}: cannot understand the template ({type(exc).__name__}: {exc}); "
             f"it is ignored")
    return ()


def _stamp(path: str) -> Optional[Tuple[int, int]]:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


def functions_of_template(path: str) -> Tuple[Tuple[str, str, FrozenSet[str]], ...]:
    """`functions_in` of the template at absolute `path`, read and parsed once
    per process (again only when its modification time or size changes); a
    template that cannot be used is warned about once and names nothing.
    Commands parse every template their projects need before forking, so
    that their workers inherit the result."""
    stamp = _stamp(path)
    known = _parsed.get(path)
    if known is not None and known[0] == stamp:
        return known[1]
    functions = _read_functions(path)
    _parsed[path] = (stamp, functions)
    by_file: Dict[str, Dict[str, FrozenSet[str]]] = {}
    for file, function, features in functions:
        named = by_file.setdefault(file, {})
        named[function] = named.get(function, frozenset()) | features
    _by_file[path] = by_file
    return functions


@lru_cache(maxsize=None)
def _templates_above(directory: str) -> Tuple[str, ...]:
    """Templates in `directory` and its parents, up to the repository root."""
    found = [os.path.join(directory, name) for name in TEMPLATE_NAMES
             if os.path.isfile(os.path.join(directory, name))]
    parent = os.path.dirname(directory)
    if os.path.isdir(os.path.join(directory, ".git")) or parent == directory:
        return tuple(found)
    return tuple(found) + _templates_above(parent)


def template_features(filename: str, explicit: Iterable[str] = ()) -> Dict[str, FrozenSet[str]]:
    """Function name -> how the templates run it (SNAPSTART, MANAGED_INSTANCES)
    for every function of `filename` that a template declares: those named
    explicitly and those found by walking up from the file."""
    path = os.path.abspath(filename)
    templates = list(explicit)
    if os.path.isfile(path):
        templates += _templates_above(os.path.dirname(path))
    out: Dict[str, FrozenSet[str]] = {}
    for template in templates:
        template = os.path.abspath(template)
        functions_of_template(template)       # parsed, or parsed again if it changed
        for function, features in _by_file.get(template, {}).get(path, {}).items():
            out[function] = out.get(function, frozenset()) | features
    return out


def template_handlers(filename: str, explicit: Iterable[str] = ()) -> FrozenSet[str]:
    """Function names the templates declare as handlers in `filename`."""
    return frozenset(template_features(filename, explicit))


def template_signature(filename: str, explicit: Iterable[str] = ()) -> Tuple[Tuple[str, int, int], ...]:
    """(path, modification time, size) of every template that can name
    handlers in `filename`: a cache of what was read from a template is stale
    when this changes. Costs a `stat` per template, no parse."""
    path = os.path.abspath(filename)
    templates = [os.path.abspath(t) for t in explicit]
    if os.path.isfile(path):
        templates += _templates_above(os.path.dirname(path))
    out = []
    for template in templates:
        try:
            info = os.stat(template)
        except OSError:
            continue
        out.append((template, info.st_mtime_ns, info.st_size))
    return tuple(out)


def clear_caches():
    """Forget templates seen so far (a new run may see edited files)."""
    _parsed.clear()
    _by_file.clear()
    _templates_above.cache_clear()
