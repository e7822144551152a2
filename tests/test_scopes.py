"""The module's scopes (analysis/scopes.py): what each name denotes, by
Python's rules, and what imports it comes from.

Two kinds of tests: exact answers on the traps of Python scoping, and a
differential test against libcst's ScopeProvider
on the bundled fixtures, where the two must agree except on the listed
shapes libcst gets wrong."""
import glob
import os
import textwrap

import libcst as cst
import pytest
from libcst.metadata import (BuiltinScope, GlobalScope, ImportAssignment, MetadataWrapper,
                             QualifiedNameSource, ScopeProvider)

from flake8_lambda_state.analysis.names import dotted, root_name
from flake8_lambda_state.analysis.scopes import (CLASS, COMPREHENSION, DEFINED_CLASS,
                                                 DEFINED_FUNCTION, FUNCTION, IMPORTED, MODULE,
                                                 ScopeIndex)
from flake8_lambda_state.analysis.walk import walk

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def names(source, value):
    """Every Name node spelled `value`, in source order, with the index."""
    module = cst.parse_module(textwrap.dedent(source))
    index = ScopeIndex(module)
    return index, [n for n in walk(module) if isinstance(n, cst.Name) and n.value == value]


def denotes(source, value):
    """For each occurrence of `value` that is a reference or a binding: the
    kind of scope it resolves to (None: builtin or unbound)."""
    index, found = names(source, value)
    out = []
    for name in found:
        if index.scope_of(name) is None:
            continue
        scope, _ = index.resolve(name)
        out.append(scope.kind if scope is not None else None)
    return out


def test_function_locals_shadow_module_names():
    assert denotes("""
        CACHE = {}
        def handler(event, context):
            CACHE = {}
            CACHE["k"] = 1
        def other():
            CACHE["k"] = 2
        """, "CACHE") == [MODULE, FUNCTION, FUNCTION, MODULE]


def test_global_and_nonlocal_redirect_the_binding():
    source = """
        count = 0
        def handler(event, context):
            global count
            count += 1
        def outer():
            total = 0
            def inner():
                nonlocal total
                total = 1
            return total
        """
    assert denotes(source, "count") == [MODULE, MODULE]
    assert denotes(source, "total") == [FUNCTION, FUNCTION, FUNCTION]
    index, found = names(source, "total")
    outer_scope = index.resolve(found[0])[0]
    # found[1] is the `nonlocal total` declaration, not a reference
    assert [b.node for b in outer_scope.bindings["total"]] == [found[0], found[2]]


def test_references_are_the_reads_of_one_binding():
    """What the fixes ask: which names read the module's `user` (not the
    targets that bind it, not a local of the same name, not an attribute)."""
    source = """
        user = None
        def handler(event, context):
            global user
            user = event["user"]
            return user
        def other():
            user = 1
            return user
        def third():
            return [user for _ in range(2)], event.user
        print(user)
        """
    index, found = names(source, "user")
    reads = index.references(index.module_scope, "user")
    assert [found.index(n) for n in reads] == [3, 6, 8]
    assert [index.scope_of(n).kind for n in reads] == [FUNCTION, COMPREHENSION, MODULE]
    other = index.resolve(found[4])[0]
    assert index.references(other, "user") == [found[5]]
    assert index.references(index.module_scope, "nothing") == []


def test_the_scope_a_definition_opens_and_the_scope_of_an_expression():
    module = cst.parse_module("x = 1\nclass C:\n    def m(self):\n        return [x for x in y]\n")
    index = ScopeIndex(module)
    cls = module.body[1]
    method = cls.body.body[0]
    comp = method.body.body[0].body[0].value
    assert index.scope_for(cls).kind == CLASS
    assert index.scope_for(method).kind == FUNCTION and index.scope_for(method).node is method
    assert index.scope_for(comp).kind == COMPREHENSION
    assert index.scope_for(module.body[0]) is None
    assert index.scope_at(comp.elt) is index.scope_for(comp)
    assert index.scope_at(comp) is index.scope_for(comp)      # its first name is `x`, its own
    assert index.scope_at(comp.for_in.iter) is index.scope_for(method)
    assert index.scope_at(cst.parse_expression("'text'.upper()")) is None


def test_class_bodies_are_not_enclosing_scopes():
    assert denotes("""
        client = make()
        class Repo:
            client = None
            def get(self):
                return client
            items = [client for _ in range(3)]
        """, "client") == [MODULE, CLASS, MODULE, MODULE]


def test_a_class_body_reads_the_enclosing_name_until_it_binds_its_own():
    source = """
        from botocore.exceptions import ClientError
        class Errors:
            ClientError = ClientError
            again = ClientError
        """
    index, found = names(source, "ClientError")
    assert [index.qualified_names(n, n.value) for n in found[1:]] == [
        [], ["botocore.exceptions.ClientError"], []]
    assert [index.resolve(n)[0].kind for n in found[1:]] == [CLASS, MODULE, CLASS]


def test_what_runs_outside_the_new_scope():
    """Decorators, defaults, annotations and the first iterable of a
    comprehension are evaluated in the enclosing scope."""
    source = """
        x = 1
        def f(x=x, *, y: x = x) -> x:
            return x
        squares = [x * x for x in range(x)]
        """
    # x = 1 | param x, its default, y's annotation, y's default, the return
    # annotation | return x | x * x, for x | range(x)
    assert denotes(source, "x") == [MODULE, FUNCTION, MODULE, MODULE, MODULE, MODULE,
                                    FUNCTION, COMPREHENSION, COMPREHENSION, COMPREHENSION,
                                    MODULE]


def test_a_walrus_in_a_comprehension_binds_in_the_function():
    source = """
        def handler(event, context):
            if any((last := r) for r in event["Records"]):
                return last
        """
    assert denotes(source, "last") == [FUNCTION, FUNCTION]


def test_every_binding_form():
    source = """
        import json, os.path
        import boto3 as b3
        from . import sibling
        from ..pkg.mod import thing as alias
        for a in b3: pass
        with open("f") as (fh, other): pass
        try: pass
        except ValueError as err: pass
        match json:
            case {"k": 1, **rest}: pass
            case [first, *more]: pass
        lam = lambda p, *q: p
        """
    module = cst.parse_module(textwrap.dedent(source))
    index = ScopeIndex(module)
    got = {name: sorted({b.kind for b in bindings})
           for name, bindings in index.module_scope.bindings.items()}
    assert got == {"json": [IMPORTED], "os": [IMPORTED], "b3": [IMPORTED],
                   "sibling": [IMPORTED], "alias": [IMPORTED], "a": ["value"], "fh": ["value"],
                   "other": ["value"], "err": ["value"], "rest": ["value"], "first": ["value"],
                   "more": ["value"], "lam": ["value"]}
    assert {n: [b.qualified for b in index.module_scope.bindings[n]]
            for n in ("json", "os", "b3", "sibling", "alias")} == {
        "json": ["json"], "os": ["os"], "b3": ["boto3"], "sibling": [".sibling"],
        "alias": ["..pkg.mod.thing"]}


def test_del_is_not_a_binding():
    source = """
        import getpass
        USER = getpass.getuser()
        del getpass
        """
    index, found = names(source, "getpass")
    assert [b.kind for b in index.module_scope.bindings["getpass"]] == [IMPORTED]
    assert [index.qualified_names(n, dotted(n)) for n in found[1:]] == [["getpass"], ["getpass"]]


def test_qualified_names_through_aliases_and_builtins():
    source = """
        import boto3 as b
        import os.path
        from boto3 import client as mk
        def handler(event, context):
            b.client("s3"); mk("sqs"); os.path.join("a"); open("f"); dict.fromkeys([]); nothing()
        """
    module = cst.parse_module(textwrap.dedent(source))
    index = ScopeIndex(module)
    calls = [n for n in walk(module) if isinstance(n, cst.Call)]
    assert [index.qualified_names(root_name(c.func), dotted(c.func)) for c in calls] == [
        ["boto3.client"], ["boto3.client"], ["os.path.join"], ["builtins.open"],
        ["builtins.dict.fromkeys"], []]


def test_a_local_that_shadows_an_import_has_no_qualified_name():
    source = """
        import boto3
        def handler(event, context):
            boto3 = FakeBoto()
            boto3.client("s3")
        """
    index, found = names(source, "boto3")
    assert [index.qualified_names(n, n.value) for n in found] == [[], [], []]


def test_generic_parameters_have_their_own_scope():
    source = """
        T = 1
        def first[T](items: list[T]) -> T:
            return items[0]
        class Box[T](Base[T]): pass
        type Pair[T] = tuple[T, T]
        """
    kinds = denotes(source, "T")
    assert kinds[0] == MODULE and set(kinds[1:]) == {FUNCTION}


def test_def_and_class_names_bind_where_they_are_defined():
    source = """
        def helper(): pass
        class Client: pass
        class Repo:
            def helper(self): return helper()
        """
    index, found = names(source, "helper")
    module_scope = index.module_scope
    assert [b.kind for b in module_scope.bindings["helper"]] == [DEFINED_FUNCTION]
    assert [b.kind for b in module_scope.bindings["Client"]] == [DEFINED_CLASS]
    assert [index.resolve(n)[0].kind for n in found] == [MODULE, CLASS, MODULE]


# --- against libcst's ScopeProvider ------------------------------------------

def _libcst_kind(scopes, name):
    scope = scopes.get(name)
    assignments = list(scope[name.value]) if scope is not None else []
    if not assignments or any(isinstance(a.scope, BuiltinScope) for a in assignments):
        return None
    if any(not isinstance(a.scope, GlobalScope) for a in assignments):
        return "local"
    if all(isinstance(a, ImportAssignment) for a in assignments):
        return "import"
    return "module"


def _our_kind(index, name):
    scope, bindings = index.resolve(name)
    if scope is None:
        return None
    if scope.kind != MODULE:
        return "local"
    return "import" if all(b.kind == IMPORTED for b in bindings) else "module"


def _libcst_names(scopes, expr):
    scope = scopes.get(expr)
    return {q.name for q in scope.get_qualified_names_for(expr)
            if q.source == QualifiedNameSource.IMPORT}


FIXTURES = sorted(glob.glob(os.path.join(ROOT, "fixtures", "**", "*.py"), recursive=True))


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: os.path.relpath(p, ROOT))
def test_agrees_with_libcst_on_the_fixtures(path):
    with open(path, encoding="utf-8") as fh:
        module = cst.parse_module(fh.read())
    scopes = MetadataWrapper(module, unsafe_skip_copy=True).resolve(ScopeProvider)
    index = ScopeIndex(module)
    compared = 0
    for node in walk(module):
        if isinstance(node, cst.Name) and scopes.get(node) is not None:
            compared += 1
            assert _our_kind(index, node) == _libcst_kind(scopes, node), (node.value, path)
        if isinstance(node, (cst.Name, cst.Attribute)) and dotted(node) \
                and scopes.get(node) is not None:
            ours = {n for n in index.qualified_names(root_name(node), dotted(node))
                    if not n.startswith("builtins.")}
            assert ours == _libcst_names(scopes, node), (dotted(node), path)
    assert compared > 0


def test_imported_roots_cover_imports_in_every_scope():
    module = cst.parse_module(textwrap.dedent("""
        import os.path as p
        from . import sibling
        def handler(event, context):
            from mangum import Mangum
            import json
        """))
    index = ScopeIndex(module)
    assert index.imported_roots == {"os", "", "mangum", "json"}
    assert index.imports_any(["mangum.Mangum", "x.y"]) and index.imports_any(["os.environ"])
    assert not index.imports_any(["serverless_wsgi.handle_request", "boto3"])
