"""The autofixes as libcst codemod commands, one per fix, each running the
same analysis and fixes as `flake8-lambda-state fix` (and its checks):

    python -m libcst.tool codemod -x flake8_lambda_state.codemods.HoistClients src/

or, with `modules: [flake8_lambda_state]` in .libcst.codemod.yaml,
`python -m libcst.tool codemod codemods.HoistClients src/`."""
from typing import ClassVar, Tuple

import libcst as cst
from libcst.codemod import CodemodCommand, SkipFile


class LambdaStateFix(CodemodCommand):
    """Applies the fixes of CODES to one module, as `fix` would."""
    DESCRIPTION: ClassVar[str] = "Apply every safe flake8-lambda-state autofix."
    CODES: ClassVar[Tuple[str, ...]] = (
        "LAM101", "LAM103", "LAM201", "LAM205", "LAM301", "LAM303", "LAM501")
    UNSAFE: ClassVar[bool] = False

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        from ..config import load_config
        from ..fixes.pipeline import fix_source
        from ..settings import build_settings
        config = load_config(".")
        settings = build_settings(*(config.get(name) for name in (
            "lambda-handler-names", "lambda-handlers", "lambda-sensitive-names",
            "lambda-client-factories", "lambda-templates", "lambda-cache-dir",
            "lambda-snapstart", "lambda-managed-instances")))
        filename = self.context.filename or "<stdin>.py"
        result = fix_source(tree.code, filename, settings, self.CODES, self.UNSAFE)
        if result.skipped:
            raise SkipFile(result.skipped)
        for code, title, reason in result.refused:
            self.warn(f"{code} fix '{title}' not applied: {reason}" if code else reason)
        if not result.changed:
            raise SkipFile("nothing to fix")
        return cst.parse_module(result.new)


class HoistClients(LambdaStateFix):
    DESCRIPTION = ("LAM301: create clients with constant arguments once at module scope, open "
                   "connections in a functools.cache getter, memoize client factory wrappers.")
    CODES = ("LAM301",)


class MemoizeRequestClients(LambdaStateFix):
    DESCRIPTION = ("LAM301 (unsafe: invocations with the same arguments share a client): every "
                   "LAM301 fix, and a client built from hashable request data becomes a "
                   "functools.lru_cache getter keyed on those arguments.")
    CODES = ("LAM301",)
    UNSAFE = True


class MakeGlobalsLocal(LambdaStateFix):
    DESCRIPTION = ("LAM101/LAM201: a private global that one function assigns before any read "
                   "becomes its local.")
    CODES = ("LAM101", "LAM201")


class NoneSentinel(LambdaStateFix):
    DESCRIPTION = "LAM103: default a mutated or returned mutable default to None."
    CODES = ("LAM103",)


class ClearLoggerState(LambdaStateFix):
    DESCRIPTION = "LAM205: add clear_state=True to @logger.inject_lambda_context."
    CODES = ("LAM205",)


class CacheBundledReads(LambdaStateFix):
    DESCRIPTION = ("LAM303: read bundled text files once, in a functools.cache getter; fetch "
                   "parameters and secrets through Powertools with max_age (modules that "
                   "import Powertools).")
    CODES = ("LAM303",)


class SessionForOneShotRequests(LambdaStateFix):
    DESCRIPTION = ("LAM304 (unsafe: a session keeps cookies): send one-shot requests through a "
                   "module-level requests.Session()/httpx.Client().")
    CODES = ("LAM304",)
    UNSAFE = True


class RecomputeAfterRestore(LambdaStateFix):
    DESCRIPTION = ("LAM501: recompute a value init keeps (uuid, random, timestamp) in a "
                   "@register_after_restore hook of snapshot_restore_py.")
    CODES = ("LAM501",)


class AllFixes(LambdaStateFix):
    """Every safe fix (the codemod form of `flake8-lambda-state fix`)."""


__all__ = ["AllFixes", "CacheBundledReads", "ClearLoggerState", "HoistClients", "LambdaStateFix",
           "MakeGlobalsLocal", "MemoizeRequestClients", "NoneSentinel", "RecomputeAfterRestore",
           "SessionForOneShotRequests"]
