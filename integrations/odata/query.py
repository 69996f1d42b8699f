"""OData system query options -> a queryset and a projection (pure apart from the queryset).

$filter is parsed by odata-query; before it becomes a Django Q every identifier is checked
against the entity set's filterable properties and renamed to its ORM path, so a filter can
never reach a field the feed does not publish (e.g. a customer's email).
"""

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import FieldError, ValidationError
from django.db.models import QuerySet
from odata_query import ast
from odata_query.django import AstToDjangoQVisitor
from odata_query.exceptions import ODataException
from odata_query.grammar import ODataLexer, ODataParser
from odata_query.visitor import NodeTransformer

from integrations.odata.entities import EntitySet, ODataQueryError

# Bounds on a $filter, so that neither the parser nor the database meets an expression it cannot
# take (a 2,000-term `or` overflowed the recursion of the AST visitors): a clear 400 instead.
MAX_FILTER_LENGTH = 4000
MAX_FILTER_OPERATORS = 100  # and / or / not
MAX_FILTER_NESTING = 20  # parentheses
# Integer literals: a function argument (substring, indexof…) is a 32-bit int in SQL, any other
# literal a 64-bit one; $skip and $top are offsets and limits.
MAX_INT32 = 2**31 - 1
MAX_INT64 = 2**63 - 1
BOOLEAN_TOKENS = frozenset({"AND", "OR", "NOT"})

ORDER_RE = re.compile(r"^\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:\s+(?P<dir>asc|desc))?\s*$")


class _PublishedFields(NodeTransformer):
    def __init__(self, entity_set: EntitySet) -> None:
        self.entity_set = entity_set

    def visit_Identifier(self, node: ast.Identifier) -> ast.Identifier:
        prop = self.entity_set.property_by_name.get(node.name)
        if prop is None or node.namespace:
            raise ODataQueryError(
                f"'{node.full_name()}' is not a property of {self.entity_set.type_name}"
            )
        if not prop.filterable:
            raise ODataQueryError(f"'{node.name}' is computed and cannot be filtered on")
        return ast.Identifier(prop.field)

    def visit_Call(self, node: ast.Call) -> ast.Call:
        for arg in node.args:
            if isinstance(arg, ast.Integer) and abs(int(arg.val)) > MAX_INT32:
                raise ODataQueryError(
                    f"$filter: {arg.val} is out of range for {node.func.name}() "
                    f"(at most {MAX_INT32})"
                )
        return ast.Call(node.func, [self.visit(arg) for arg in node.args])

    def visit_Integer(self, node: ast.Integer) -> ast.Integer:
        if abs(int(node.val)) > MAX_INT64:
            raise ODataQueryError(f"$filter: {node.val} is out of range (at most {MAX_INT64})")
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.Compare:
        for side, other in ((node.left, node.right), (node.right, node.left)):
            if isinstance(side, ast.Identifier) and isinstance(other, ast.String):
                prop = self.entity_set.property_by_name.get(side.name)
                if prop is not None and prop.edm_type in TEMPORAL_TYPES:
                    _temporal_literal_check(prop.name, other.val)
        return ast.Compare(node.comparator, self.visit(node.left), self.visit(node.right))

    def visit_Attribute(self, node: ast.Attribute) -> ast._Node:
        raise ODataQueryError("navigation paths (a/b) are not supported")

    def visit_CollectionLambda(self, node: ast.CollectionLambda) -> ast._Node:
        raise ODataQueryError("any/all are not supported")


TEMPORAL_TYPES = frozenset({"Edm.DateTimeOffset", "Edm.Date"})


def _temporal_literal_check(name: str, value: str) -> None:
    """A quoted date compared with a date property must be one: PostgreSQL would refuse it
    while running the query, SQLite would compare it as text."""
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise ODataQueryError(
            f"$filter: '{value}' compared with {name} is not an ISO 8601 date or date-time"
        ) from None


def _filter_complexity_check(expression: str) -> list[Any]:
    """The tokens of a $filter within the bounds above, or a 400 naming the bound."""
    if len(expression) > MAX_FILTER_LENGTH:
        raise ODataQueryError(f"$filter is longer than {MAX_FILTER_LENGTH} characters")
    tokens = list(ODataLexer().tokenize(expression))
    operators = sum(1 for token in tokens if token.type in BOOLEAN_TOKENS)
    if operators > MAX_FILTER_OPERATORS:
        raise ODataQueryError(
            f"$filter has {operators} and/or/not operators; at most {MAX_FILTER_OPERATORS}"
        )
    depth = deepest = 0
    for token in tokens:
        if token.type == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif token.type == ")":
            depth -= 1
    if deepest > MAX_FILTER_NESTING:
        raise ODataQueryError(
            f"$filter nests parentheses {deepest} deep; at most {MAX_FILTER_NESTING}"
        )
    return tokens


def filter_apply(entity_set: EntitySet, queryset: QuerySet[Any], expression: str) -> QuerySet[Any]:
    try:
        tokens = _filter_complexity_check(expression)
        tree = ODataParser().parse(iter(tokens))
        tree = _PublishedFields(entity_set).visit(tree)
        visitor = AstToDjangoQVisitor(queryset.model)
        where = visitor.visit(tree)
        if visitor.queryset_annotations:
            queryset = queryset.annotate(**visitor.queryset_annotations)
        # Building the WHERE clause converts the literals: 'garbage' is no date-time.
        return queryset.filter(where)
    except ODataQueryError:
        raise
    except (ODataException, ValueError, TypeError, FieldError, ValidationError) as error:
        raise ODataQueryError(f"$filter: {_reason(error)}") from error
    except RecursionError:
        raise ODataQueryError("$filter is too deeply nested") from None


def _reason(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return "; ".join(error.messages)
    return str(error)


def select_parse(entity_set: EntitySet, value: str | None) -> list[str]:
    if not value or value.strip() == "*":
        return [p.name for p in entity_set.properties]
    names = [name.strip() for name in value.split(",") if name.strip()]
    for name in names:
        if name not in entity_set.property_by_name:
            raise ODataQueryError(f"$select: '{name}' is not a property of {entity_set.type_name}")
    return names


def orderby_parse(entity_set: EntitySet, value: str | None) -> list[str]:
    """ORM order_by terms; the key is always last so that paging is stable."""
    terms: list[str] = []
    for part in (value or "").split(","):
        if not part.strip():
            continue
        match = ORDER_RE.match(part)
        if match is None:
            raise ODataQueryError(f"$orderby: cannot read '{part.strip()}'")
        prop = entity_set.property_by_name.get(match["name"])
        if prop is None:
            raise ODataQueryError(f"$orderby: '{match['name']}' is not a property")
        if not prop.filterable:
            raise ODataQueryError(f"$orderby: '{prop.name}' is computed and cannot be sorted on")
        terms.append(("-" if match["dir"] == "desc" else "") + prop.field)
    key_field = entity_set.property_by_name[entity_set.key].field
    if key_field not in {term.lstrip("-") for term in terms}:
        terms.append(key_field)
    return terms


def non_negative_int(name: str, value: str | None) -> int | None:
    if value is None or value == "":
        return None
    if not (value.isascii() and value.isdigit()):
        raise ODataQueryError(f"{name} must be a non-negative integer, not '{value}'")
    if int(value) > MAX_INT32:
        raise ODataQueryError(f"{name} must be at most {MAX_INT32}, not {value}")
    return int(value)


@dataclass(frozen=True)
class CollectionQuery:
    queryset: QuerySet[Any]  # filtered and ordered, not sliced
    select: list[str]
    top: int | None
    skip: int
    count: bool


def collection_query(
    entity_set: EntitySet, queryset: QuerySet[Any], params: dict[str, str]
) -> CollectionQuery:
    unknown = [key for key in params if key.startswith("$") and key not in SUPPORTED_OPTIONS]
    if unknown:
        raise ODataQueryError(f"{', '.join(sorted(unknown))} not supported", "NotImplemented")
    if params.get("$filter"):
        queryset = filter_apply(entity_set, queryset, params["$filter"])
    count = params.get("$count", "false").lower()
    if count not in {"true", "false"}:
        raise ODataQueryError("$count must be true or false")
    return CollectionQuery(
        queryset=queryset.order_by(*orderby_parse(entity_set, params.get("$orderby"))),
        select=select_parse(entity_set, params.get("$select")),
        top=non_negative_int("$top", params.get("$top")),
        skip=non_negative_int("$skip", params.get("$skip")) or 0,
        count=count == "true",
    )


SUPPORTED_OPTIONS = frozenset(
    {"$filter", "$select", "$orderby", "$top", "$skip", "$count", "$format"}
)
