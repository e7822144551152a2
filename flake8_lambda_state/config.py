"""Command-line configuration: defaults < `[flake8]` in setup.cfg / tox.ini /
.flake8 < `[tool.flake8-lambda-state]` in pyproject.toml < command-line
flags. Option names are the flake8 plugin's (`lambda-handler-names`, ...)."""
import configparser
import os
import sys
from typing import Any, Dict

from .settings import SettingsError

KEYS = {
    "lambda-handler-names": "list", "lambda-handlers": "list", "lambda-sensitive-names": "str",
    "lambda-client-factories": "list", "lambda-templates": "list", "lambda-cache-dir": "str",
    "lambda-snapstart": "list", "lambda-managed-instances": "list",
    "select": "list",
    "extend-select": "list", "ignore": "list", "extend-ignore": "list", "exclude": "list",
    "extend-exclude": "list", "format": "str", "jobs": "int",
    "baseline": "str", "per-file-ignores": "per-file-ignores",
}
FLAKE8_FILES = ("setup.cfg", "tox.ini", ".flake8")
CODE_LISTS = ("select", "extend-select", "ignore", "extend-ignore")


def _names_ours(code: str) -> bool:
    """`LAM`, `LAM3`, `LAM301`, `L`: a code or prefix that can name a LAM code."""
    code = code.upper()
    return code.startswith("LAM") or "LAM".startswith(code)


def _normalise(key: str) -> str:
    return key.replace("_", "-").lower()


def _value(key: str, raw: Any, source: str):
    kind = KEYS[key]
    if kind == "per-file-ignores":
        from .settings import parse_per_file_ignores
        return parse_per_file_ignores(raw, f"{source}: '{key}'")
    if kind == "list":
        if isinstance(raw, str):
            return [part.strip() for part in raw.replace("\n", ",").split(",") if part.strip()]
        if isinstance(raw, list) and all(isinstance(item, str) for item in raw):
            return raw
        raise SettingsError(f"{source}: '{key}' must be a string or a list of strings")
    if kind == "int":
        if key == "jobs" and isinstance(raw, str) and raw.strip().lower() == "auto":
            return None                 # flake8's `jobs = auto`: the number of cores
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise SettingsError(f"{source}: '{key}' must be a whole number, got {raw!r}") from None
    if not isinstance(raw, str):
        raise SettingsError(f"{source}: '{key}' must be a string")
    return raw


def _one_line(exc: Exception) -> str:
    """configparser's messages span lines; the error is one."""
    return " ".join(str(exc).split())


def _from_flake8(directory: str) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for name in FLAKE8_FILES:
        path = os.path.join(directory, name)
        if not os.path.isfile(path):
            continue
        parser = configparser.RawConfigParser()
        try:
            parser.read(path, encoding="utf-8")
        except configparser.Error as exc:
            raise SettingsError(f"{path}: cannot parse: {_one_line(exc)}") from None
        except UnicodeDecodeError as exc:
            raise SettingsError(f"{path}: not UTF-8 text ({exc.reason} at byte "
                                f"{exc.start})") from None
        except OSError as exc:
            raise SettingsError(f"{path}: cannot read: {exc.strerror or exc}") from None
        if parser.has_section("flake8"):
            for key, raw in parser.items("flake8"):
                key = _normalise(key)
                if key not in KEYS:
                    continue
                value = _value(key, raw, f"{path} [flake8]")
                if key in CODE_LISTS:
                    # The [flake8] section serves every plugin: codes of the
                    # others (E203, W503...) are not ours to know, and a
                    # `select` that names none of ours leaves our default.
                    value = [code for code in value if _names_ours(code)]
                    if key == "select" and not value:
                        continue
                out[key] = value
    return out


def _from_pyproject(directory: str) -> Dict[str, Any]:
    path = os.path.join(directory, "pyproject.toml")
    if not os.path.isfile(path):
        return {}
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on older interpreters
        import tomli as tomllib
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path}: cannot parse: {_one_line(exc)}") from None
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise SettingsError(f"{path}: 'tool' must be a table, got {type(tool).__name__}")
    section = tool.get("flake8-lambda-state", {})
    if not isinstance(section, dict):
        raise SettingsError(f"{path}: [tool.flake8-lambda-state] must be a table")
    out = {}
    for key, raw in section.items():
        norm = _normalise(key)
        if norm not in KEYS:
            raise SettingsError(f"{path}: unknown option '{key}' in [tool.flake8-lambda-state] "
                                f"(known: {', '.join(sorted(KEYS))})")
        out[norm] = _value(norm, raw, f"{path} [tool.flake8-lambda-state]")
    return out


def load_config(directory: str = ".") -> Dict[str, Any]:
    """Options from the configuration files in `directory`, later files winning."""
    merged = _from_flake8(directory)
    merged.update(_from_pyproject(directory))
    return merged


def pyproject_options(directory: str = ".") -> Dict[str, Any]:
    """Only the `[tool.flake8-lambda-state]` table (the flake8 plugin reads
    this one; flake8 reads its own files itself)."""
    return _from_pyproject(directory)
