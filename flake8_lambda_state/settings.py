"""User-tunable settings shared by the flake8 plugin and the command line."""
import fnmatch
import os
import re
from dataclasses import dataclass, field
from typing import FrozenSet, Optional, Pattern, Tuple

DEFAULT_HANDLER_NAMES = ("handler", "lambda_handler", "*_handler")
DEFAULT_SENSITIVE_NAMES = (
    "password|passwd|secret|token|api_key|apikey|authorization|auth|cookie|session"
    "|card|cvv|ssn|iban|credential|private_key"
)
_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


ALL = ("", "all")           # `--lambda-snapstart=all`
ALL_FUNCTIONS = "*"


class SettingsError(ValueError):
    """A configuration value that cannot be used; the message names the option."""


@dataclass(frozen=True)
class Settings:
    handler_names: Tuple[str, ...] = DEFAULT_HANDLER_NAMES
    explicit_handlers: Tuple[Tuple[str, str], ...] = ()
    sensitive_names: str = DEFAULT_SENSITIVE_NAMES
    extra_client_factories: FrozenSet[str] = frozenset()
    templates: Tuple[str, ...] = ()          # --lambda-templates (others are found by walking up)
    cache_dir: str = ""                      # --lambda-cache-dir ("" = in the project, "off" = none)
    snapstart: Tuple[Tuple[str, str], ...] = ()          # --lambda-snapstart (ALL = every function)
    managed_instances: Tuple[Tuple[str, str], ...] = ()  # --lambda-managed-instances
    _sensitive_re: Optional[Pattern] = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        try:
            compiled = re.compile(self.sensitive_names, re.IGNORECASE)
        except re.error as exc:
            raise SettingsError(f"--lambda-sensitive-names: not a valid regex: {exc}") from None
        object.__setattr__(self, "_sensitive_re", compiled)
        for module, function in self.explicit_handlers:
            if not module or not function:
                raise SettingsError(
                    "--lambda-handlers: expected module:function entries, "
                    f"got {module}:{function!r}"
                )

    def explicit_functions(self, filename: str) -> FrozenSet[str]:
        """Functions of `filename` named as handlers by --lambda-handlers or
        by an infrastructure template."""
        from .handler_names import module_matches
        from .templates import template_handlers
        names = {function for module, function in self.explicit_handlers
                 if module_matches(filename, module)}
        return frozenset(names | template_handlers(filename, self.templates))

    def run_with(self, filename: str, feature: str) -> FrozenSet[str]:
        """Functions of `filename` that Lambda runs with `feature` (templates.
        SNAPSTART or MANAGED_INSTANCES) by option or template; ALL_FUNCTIONS
        ('*') among them when the option says `all`."""
        from .handler_names import module_matches
        from .templates import SNAPSTART, template_features
        option = self.snapstart if feature == SNAPSTART else self.managed_instances
        names = {ALL_FUNCTIONS if (module, function) == ALL else function
                 for module, function in option
                 if (module, function) == ALL or module_matches(filename, module)}
        names |= {function for function, features in
                  template_features(filename, self.templates).items() if feature in features}
        return frozenset(names)

    def is_sensitive_name(self, name: str) -> bool:
        """True when a whole word run of `name` matches the sensitive pattern.

        `cardNumber` and `card_number` match `card`; `author` does not match
        `auth`; a plural `s` is tolerated (`credentials`)."""
        words = [w.lower() for w in _WORD.findall(name.replace("-", "_"))]
        regex = self._sensitive_re
        for i in range(len(words)):
            for j in range(i + 1, min(len(words), i + 3) + 1):
                run = "_".join(words[i:j])
                if regex.fullmatch(run) or regex.fullmatch("".join(words[i:j])):
                    return True
                if run.endswith("s") and regex.fullmatch(run[:-1]):
                    return True
        return False


def split_list(value) -> Tuple[str, ...]:
    """Comma/whitespace separated option value (or a list of them) to a tuple."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    items = []
    for chunk in value:
        items.extend(part.strip() for part in re.split(r"[,\s]+", chunk) if part.strip())
    return tuple(items)


def parse_explicit_handlers(value, option: str = "--lambda-handlers",
                            allow_all: bool = False) -> Tuple[Tuple[str, str], ...]:
    """`module:function` entries (or `module.function`); with `allow_all`,
    the word `all` stands for every function (ALL)."""
    pairs = []
    for item in split_list(value):
        if allow_all and item.lower() == "all":
            pairs.append(ALL)
            continue
        module, sep, function = item.partition(":")
        if not sep:
            module, _, function = item.rpartition(".")
        if not module or not function:
            raise SettingsError(
                f"{option}: {item!r} is not of the form module:function"
                + (" (or all)" if allow_all else "")
            )
        pairs.append((module, function))
    return tuple(pairs)


def build_settings(handler_names=None, handlers=None, sensitive_names=None,
                   client_factories=None, templates=None, cache_dir=None, snapstart=None,
                   managed_instances=None) -> Settings:
    return Settings(
        handler_names=split_list(handler_names) or DEFAULT_HANDLER_NAMES,
        explicit_handlers=parse_explicit_handlers(handlers),
        sensitive_names=sensitive_names or DEFAULT_SENSITIVE_NAMES,
        extra_client_factories=frozenset(split_list(client_factories)),
        templates=split_list(templates),
        cache_dir=cache_dir or "",
        snapstart=parse_explicit_handlers(snapstart, "--lambda-snapstart", allow_all=True),
        managed_instances=parse_explicit_handlers(managed_instances, "--lambda-managed-instances",
                                                  allow_all=True),
    )


def parse_per_file_ignores(value, source: str = "per-file-ignores"
                           ) -> Tuple[Tuple[str, Tuple[str, ...]], ...]:
    """`per-file-ignores` as flake8 writes it (`tests/*:LAM101,LAM102 other.py:LAM3`,
    a string or a list of such strings) or as a TOML table (`{"tests/*" =
    ["LAM101"]}`), to ((glob, (code prefix, ...)), ...)."""
    if not value:
        return ()
    if isinstance(value, dict):
        pairs = []
        for glob, codes in value.items():
            if not isinstance(glob, str) or not isinstance(codes, (str, list)) or (
                    isinstance(codes, list) and not all(isinstance(c, str) for c in codes)):
                raise SettingsError(f"{source}: expected a table of glob = codes (a string or "
                                    f"a list of strings), got {glob!r} = {codes!r}")
            pairs.append((glob, tuple(c.upper() for c in split_list(codes))))
        return tuple(pairs)
    from flake8.exceptions import ExecutionError
    from flake8.utils import parse_files_to_codes_mapping
    try:
        mapping = parse_files_to_codes_mapping(value)
    except (ExecutionError, ValueError, TypeError):
        raise SettingsError(f"{source}: expected 'GLOB:CODES' entries such as "
                            f"'tests/*:LAM101,LAM102', got {value!r}") from None
    return tuple((glob, tuple(code.upper() for code in codes)) for glob, codes in mapping)


def per_file_ignored(per_file_ignores, path: str, code: str) -> bool:
    """flake8's matching: a glob with a slash matches the path (from the
    current folder or the project root), a bare one the file name too."""
    from .baseline import project_path
    paths = {os.path.normpath(path).replace(os.sep, "/"), project_path(path)}
    for glob, prefixes in per_file_ignores:
        if not any(code.startswith(prefix) for prefix in prefixes):
            continue
        if "/" in glob:
            pattern = os.path.normpath(glob).replace(os.sep, "/")
            if any(fnmatch.fnmatch(p, pattern) for p in paths):
                return True
        elif fnmatch.fnmatch(os.path.basename(path), glob) or any(
                fnmatch.fnmatch(p, glob) for p in paths):
            return True
    return False
