"""What creates an SDK client, session, connection or pool (SPEC LAM301's
list, extendable by option), which boto3 service a client talks to, and
which clients close when a `with` block over them ends."""
from typing import FrozenSet, Optional

import libcst as cst

from .names import dotted, root_name, string_value
from .symbols import LOCAL

CLIENT_FACTORIES = frozenset({
    "boto3.client", "boto3.resource", "boto3.Session", "boto3.session.Session",
    "aioboto3.Session", "aioboto3.session.Session",
    "botocore.session.get_session", "botocore.session.Session",
    "requests.Session", "requests.session", "requests.sessions.Session",
    "httpx.Client", "httpx.AsyncClient",
    "urllib3.PoolManager", "urllib3.poolmanager.PoolManager",
    "aiohttp.ClientSession",
    "psycopg2.connect", "psycopg2.pool.SimpleConnectionPool",
    "psycopg2.pool.ThreadedConnectionPool", "psycopg2.pool.AbstractConnectionPool",
    "psycopg.connect", "psycopg.Connection.connect", "psycopg.AsyncConnection.connect",
    "psycopg_pool.ConnectionPool", "psycopg_pool.AsyncConnectionPool",
    "pymysql.connect", "pymysql.Connect", "pymysql.connections.Connection",
    "mysql.connector.connect", "pg8000.connect", "pg8000.native.Connection",
    "snowflake.connector.connect", "sqlalchemy.create_engine",
    "redis.Redis", "redis.StrictRedis", "redis.from_url", "redis.Redis.from_url",
    "redis.client.Redis", "redis.StrictRedis.from_url",
    "pymongo.MongoClient", "elasticsearch.Elasticsearch", "opensearchpy.OpenSearch",
    "pika.BlockingConnection", "kafka.KafkaProducer",
    "oracledb.connect", "cx_Oracle.connect", "pymssql.connect", "pymssql._pymssql.connect",
    "requests_futures.sessions.FuturesSession", "requests_futures.FuturesSession",
    "requests_oauthlib.OAuth1Session", "requests_oauthlib.OAuth2Session",
    "requests_oauthlib.oauth1_session.OAuth1Session",
    "requests_oauthlib.oauth2_session.OAuth2Session",
    "jwt.PyJWKClient", "jwt.jwks_client.PyJWKClient",
    # Powertools parameter providers: one built per invocation loses its cache.
    *(f"aws_lambda_powertools.utilities.parameters.{path}"
      for path in ("SSMProvider", "SecretsProvider", "AppConfigProvider", "DynamoDBProvider",
                   "ssm.SSMProvider", "secrets.SecretsProvider", "appconfig.AppConfigProvider",
                   "dynamodb.DynamoDBProvider")),
})
# Sessions whose .client()/.resource()/.create_client() build a client.
SESSION_FACTORIES = frozenset({
    "boto3.Session", "boto3.session.Session", "aioboto3.Session", "aioboto3.session.Session",
    "botocore.session.get_session", "botocore.session.Session",
})
SESSION_METHODS = frozenset({"client", "resource", "create_client"})
BOTO_CLIENT_CALLS = frozenset({"boto3.client", "boto3.resource"})
# Factories that connect (network I/O) when called: hoisted into a memoized getter.
CONNECTING_PREFIXES = ("psycopg", "pymysql", "mysql.", "pg8000", "snowflake.", "sqlalchemy.",
                       "redis.", "pymongo.", "elasticsearch.", "opensearchpy.", "pika.", "kafka.",
                       "oracledb.", "cx_Oracle.", "pymssql.")
# Objects that close themselves when a `with` block over them ends.
CLOSES_ON_EXIT_PREFIXES = ("requests.", "httpx.", "aiohttp.", "urllib3.", "pymysql.", "psycopg.",
                           "redis.", "pymongo.", "pika.", "elasticsearch.", "opensearchpy.")


class Clients:
    def __init__(self, model):
        self.model = model
        self.factories = CLIENT_FACTORIES | model.settings.extra_client_factories

    def factory_of(self, call: cst.Call, unit=None) -> Optional[str]:
        """The factory a call invokes when it creates a client, else None."""
        names = self.model.qn.of(call.func)
        hit = sorted(names & self.factories)
        if hit:
            return hit[0]
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in SESSION_METHODS:
            owners = self.model.symbols.built_by(func.value, unit)
            session = sorted(owners & SESSION_FACTORIES)
            if session:
                return f"{session[0]}().{func.attr.value}"
            if unit is not None and self.is_session(func.value, unit):
                return f"boto3.Session().{func.attr.value}"
        return None

    def imported_function(self, func) -> bool:
        """`aws.session` / `session` imported from a project module."""
        root = root_name(func)
        return self.model.context is not None and root is not None and dotted(func) is not None \
            and self.model.symbols.project_import(root) is not None

    def imported(self, expr) -> Optional[dict]:
        """The binding behind another project module's object (`from clients
        import ssm`, `db.conn` after `import db`), as the project index has it."""
        root = root_name(expr)
        context = self.model.context
        if context is None or root is None or not isinstance(expr, (cst.Name, cst.Attribute)) \
                or self.model.symbols.project_import(root) is None:
            return None
        return context.binding_of(dotted(expr) or "")

    # --- boto3 Sessions that arrive from elsewhere in the module -----------
    def is_session(self, expr, unit, _depth: int = 0) -> bool:
        """SPEC "Reachability details": a boto3 Session by construction, a
        parameter every reachable caller passes a Session to, the return value
        of a module function that returns one, or an attribute annotated as
        one (or bound to one in the class's methods)."""
        if _depth > 5 or expr is None:
            return False
        symbols = self.model.symbols
        deeper = _depth + 1
        if symbols.built_by(expr, unit) & SESSION_FACTORIES:
            return True
        if isinstance(expr, cst.Await):
            return self.is_session(expr.expression, unit, deeper)
        if isinstance(expr, cst.Name):
            if any(self.is_session(v, unit, deeper) for v in symbols.values_of(expr, unit)):
                return True
            return symbols.kind(expr) == LOCAL and self._session_parameter(expr.value, unit, deeper)
        if isinstance(expr, cst.Call) and self.imported_function(expr.func):
            return self.model.context.returned_by(dotted(expr.func)) in SESSION_FACTORIES
        if isinstance(expr, cst.Call):
            target = symbols.resolve_call(expr, unit)
            return target is not None and bool(target.unit.facts.returns) and any(
                self.is_session(value, target.unit, deeper) for value in target.unit.facts.returns)
        if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name) \
                and unit.class_name and expr.value.value == unit.self_name():
            return self._session_attribute(unit.class_name, expr.attr.value, deeper)
        return False

    def _session_parameter(self, name: str, unit, depth: int) -> bool:
        if name not in {p.name.value for p in unit.all_params()} or any(
                isinstance(s.target, cst.Name) and s.target.value == name for s in unit.facts.stores):
            return False
        reach = self.model.reach
        callers = [c for c in reach.callers.get(id(unit), ()) if reach.reach(c[0]) is not None]
        return bool(callers) and all(
            self.is_session(target.arguments(site.node).get(name), caller, depth)
            for caller, site, target in callers)

    def _session_attribute(self, class_name: str, attr: str, depth: int) -> bool:
        info = self.model.symbols.classes.get(class_name)
        if info is None:
            return False
        annotations = [info.annotations[attr]] if attr in info.annotations else []
        for method in info.methods.values():
            self_name = method.self_name()
            for target, annotation in method.facts.annotations:
                if _is_self_attribute(target, self_name, attr):
                    annotations.append(annotation)
        if any(self._names_session(a) for a in annotations):
            return True
        for method in info.methods.values():
            self_name = method.self_name()
            for store in method.facts.stores:
                if store.op == "assign" and _is_self_attribute(store.target, self_name, attr) \
                        and self.is_session(store.value, method, depth):
                    return True
        return False

    def _names_session(self, annotation) -> bool:
        """`boto3.Session`, `Session` imported from boto3, `Optional[...]` of
        one, `boto3.Session | None`."""
        if isinstance(annotation, cst.Subscript):
            return any(isinstance(el.slice, cst.Index) and self._names_session(el.slice.value)
                       for el in annotation.slice)
        if isinstance(annotation, cst.BinaryOperation):
            return self._names_session(annotation.left) or self._names_session(annotation.right)
        return bool(self.model.qn.of(annotation) & SESSION_FACTORIES)

    def built_by(self, expr, unit=None, through_calls: bool = False,
                 _depth: int = 0) -> FrozenSet[str]:
        """Factories behind an object (`s3` bound to `boto3.client('s3')`);
        with `through_calls`, also the clients a module function returns
        (`get_client("config", event)`)."""
        binding = self.imported(expr)
        if binding is not None:
            factory = binding.get("built_by") or ""
            return frozenset({factory}) if self._is_factory(factory) else frozenset()
        out = set()
        symbols = self.model.symbols
        values = [expr] if isinstance(expr, cst.Call) else (
            symbols.values_of(expr, unit) if isinstance(expr, cst.Name) else [])
        for value in values:
            while isinstance(value, cst.Await):
                value = value.expression
            if isinstance(value, cst.Call):
                factory = self.factory_of(value, unit)
                if factory:
                    out.add(factory)
                elif through_calls and unit is not None and _depth < 3:
                    target = symbols.resolve_call(value, unit)
                    for returned in target.unit.facts.returns if target else ():
                        out |= self.built_by(returned, target.unit, True, _depth + 1)
        return frozenset(out)

    def returned_by(self, call: cst.Call, unit) -> bool:
        """The unit returns the object this call builds (directly or through a
        local): it is a factory wrapper (SPEC Core 7)."""
        for value in unit.facts.returns:
            while isinstance(value, cst.Await):
                value = value.expression
            if value is call:
                return True
            if isinstance(value, cst.Name) and any(
                    v is call for v in self.model.symbols.values_of(value, unit)):
                return True
        return False

    def wrapper_call_sites(self, unit) -> int:
        """Per-invocation call sites of a factory wrapper: the project index's
        count, else the hot callers in this module."""
        context = self.model.context
        if context is not None and unit.key in context.hot_sites:
            return context.hot_sites[unit.key]
        reach = self.model.reach
        return sum(1 for caller, _site, _target in reach.callers.get(id(unit), ())
                   if id(caller) in reach.hot)

    def service_of(self, expr, unit=None) -> Optional[str]:
        """'ssm' for a boto3 client built as boto3.client('ssm') (or through a
        Session), following a local or module name to its value."""
        binding = self.imported(expr)
        if binding is not None:
            factory = binding.get("built_by") or ""
            boto = factory in BOTO_CLIENT_CALLS or factory.endswith(("().client", "().create_client"))
            return binding.get("service") if boto else None
        symbols = self.model.symbols
        values = [expr] if isinstance(expr, cst.Call) else (
            symbols.values_of(expr, unit) if isinstance(expr, cst.Name) else [])
        for value in values:
            if not isinstance(value, cst.Call):
                continue
            factory = self.factory_of(value, unit) or ""
            if factory in BOTO_CLIENT_CALLS or factory.endswith(("().client", "().create_client")):
                for i, arg in enumerate(value.args):
                    if (arg.keyword is None and i == 0) or (
                            arg.keyword is not None and arg.keyword.value == "service_name"):
                        return string_value(arg.value)
        return None

    def _is_factory(self, name: str) -> bool:
        owner, _, method = name.partition("().")
        return name in self.factories or (owner in SESSION_FACTORIES and method in SESSION_METHODS)


def _is_self_attribute(target, self_name, attr: str) -> bool:
    return isinstance(target, cst.Attribute) and target.attr.value == attr \
        and isinstance(target.value, cst.Name) and target.value.value == self_name


def connects_when_built(factory: str) -> bool:
    return factory.startswith(CONNECTING_PREFIXES)


def closes_on_exit(factory: str) -> bool:
    return factory.startswith(CLOSES_ON_EXIT_PREFIXES)
