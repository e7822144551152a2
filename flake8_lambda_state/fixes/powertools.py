"""An SSM / Secrets Manager fetch on every invocation becomes a Powertools
parameters call cached for PARAMETER_MAX_AGE seconds (LAM303), in modules
that already depend on Powertools. Only shapes that map exactly are fixed."""
from typing import Optional

import libcst as cst

from ..analysis.names import node_text, string_value
from ..analysis.scopes import IMPORTED
from .edits import AddImport, Fix, Replace
from .placement import inside

PARAMETER_MAX_AGE = 300     # seconds: a rotated value is picked up within 5 minutes
POWERTOOLS = "aws_lambda_powertools"
PARAMETERS_MODULE = "aws_lambda_powertools.utilities.parameters"
# method -> (Powertools function, the name keyword, the result's subscripts)
FETCHES = {
    "get_parameter": ("get_parameter", "Name", ("Parameter", "Value")),
    "get_secret_value": ("get_secret", "SecretId", ("SecretString",)),
}
DECRYPT = "WithDecryption"


def _imports_powertools(model, unit) -> bool:
    """Any import of aws_lambda_powertools at module scope or in the unit."""
    scopes = model.symbols.scopes
    for scope in (scopes.module_scope, scopes.scope_for(unit.node)):
        if scope is not None and any(
                b.kind == IMPORTED and (b.qualified == POWERTOOLS
                                        or b.qualified.startswith(POWERTOOLS + "."))
                for bindings in scope.bindings.values() for b in bindings):
            return True
    return False


def _parameters_name_free(model, call) -> bool:
    """`parameters` is unbound where the call is, or is Powertools' module
    (`from aws_lambda_powertools.utilities import parameters`, no alias)."""
    scope = model.symbols.scopes.scope_at(call)
    if scope is None:
        return False
    _owner, bindings = scope.lookup("parameters")
    return all(b.kind == IMPORTED and b.qualified == PARAMETERS_MODULE
               and isinstance(b.node, cst.ImportAlias) and b.node.asname is None
               for b in bindings)


def _plain_client(model, unit, receiver) -> bool:
    """The receiver is built by `boto3.client(SERVICE)` with no other
    argument (a region, endpoint or credentials would not carry over to the
    client Powertools builds)."""
    clients = model.clients
    if clients.imported(receiver) is not None:
        return False
    values = [receiver] if isinstance(receiver, cst.Call) else (
        model.symbols.values_of(receiver, unit) if isinstance(receiver, cst.Name) else [])
    return bool(values) and all(
        isinstance(v, cst.Call) and clients.factory_of(v, unit) == "boto3.client" and len(v.args) == 1
        for v in values)


class _Subscripts(cst.CSTVisitor):
    """The chain of constant-key subscripts applied to one expression."""

    def __init__(self, base):
        self.chain = [base]

    def visit_Subscript(self, node):
        return True

    def leave_Subscript(self, node):
        if node.value is self.chain[-1]:
            self.chain.append(node)


def _subscripted(statement, call, keys) -> Optional[cst.Subscript]:
    """The expression `call[keys[0]][keys[1]]...` in the statement, or None
    when the result is used any other way."""
    finder = _Subscripts(call)
    statement.visit(finder)
    chain = finder.chain[1:]
    if len(chain) != len(keys):
        return None
    for sub, key in zip(chain, keys):
        if len(sub.slice) != 1 or not isinstance(sub.slice[0].slice, cst.Index) or \
                string_value(sub.slice[0].slice.value) != key:
            return None
    return chain[-1]


class _Tries(cst.CSTVisitor):
    def __init__(self, model, statement):
        self.model, self.statement, self.found = model, statement, False

    def visit_FunctionDef(self, node):
        return False

    def visit_Try(self, node):
        self.found |= inside(self.model, self.statement, node.body)

    visit_TryStar = visit_Try


def _inside_try(model, unit, statement) -> bool:
    """The statement is in the body of a `try` of its function: Powertools
    raises GetParameterError where boto3 raised ClientError."""
    tries = _Tries(model, statement)
    for holder in unit.node.body.body:
        if holder is not statement and inside(model, statement, holder):
            holder.visit(tries)
    return tries.found


def powertools_fetch(model, unit, site) -> Optional[Fix]:
    call = site.node
    func = call.func
    if not isinstance(func, cst.Attribute) or func.attr.value not in FETCHES or \
            not unit.is_function or site.statement is None:
        return None
    function, name_keyword, keys = FETCHES[func.attr.value]
    keywords = {}
    for arg in call.args:
        if arg.keyword is None or arg.star:
            return None
        keywords[arg.keyword.value] = arg.value
    name = keywords.pop(name_keyword, None)
    decrypt = keywords.pop(DECRYPT, None) if function == "get_parameter" else None
    if name is None or keywords or (decrypt is not None and not (
            isinstance(decrypt, cst.Name) and decrypt.value in ("True", "False"))):
        return None
    if not _imports_powertools(model, unit) or not _parameters_name_free(model, call) or \
            not _plain_client(model, unit, func.value):
        return None
    whole = _subscripted(site.statement, call, keys)
    if whole is None or _inside_try(model, unit, site.statement):
        return None
    options = ("" if decrypt is None else f", decrypt={decrypt.value}") + f", max_age={PARAMETER_MAX_AGE}"
    new = cst.parse_expression(f"parameters.{function}({node_text(name)}{options})")
    what = "secret" if function == "get_secret" else "parameter"
    return Fix(f"fetch the {what} {node_text(name)} through Powertools parameters.{function}, "
               f"cached: values refresh every 5 minutes", True,
               (Replace(whole, new), AddImport("aws_lambda_powertools.utilities", "parameters")))
