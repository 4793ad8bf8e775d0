"""The list filter language, compiled to SQL for PostgreSQL and SQLite.

    {"score": {"gte": 10}, "status": {"in": ["a", "b"]}, "or": [{...}, {...}], "not": {...}}

A bare value means `eq`. Operators: eq, ne, gt, gte, lt, lte, in, nin, contains, icontains,
starts_with, is_null; logical and / or / not. Only property names of the type's schema (or
the system fields) reach SQL, and only after `db.safe_name`: Tortoise would paste JSON keys
unescaped, so this module writes the JSON paths itself and binds every value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from models import jsoncodec
from resolvers import db
from resolvers.errors import FieldError, ValidationError
from resolvers.objects.schemas import TypeSchema
from resolvers.properties.datatypes import DATA_TYPES, InvalidValue, Rules, normalize, parse_datetime
from resolvers.properties.decimal_key import SQL_FUNCTION as DECIMAL_KEY
from resolvers.properties.decimal_key import UNICODE_LOWER
from resolvers.properties.indexes import exact_on_sqlite, json_path, value_expr

COMPARISONS = {"eq": "=", "ne": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
OPERATORS = (*COMPARISONS, "in", "nin", "contains", "icontains", "starts_with", "is_null")
LOGICAL = ("and", "or", "not")
MAX_DEPTH = 8
MAX_CONDITIONS = 100
MAX_IN_VALUES = 100
SYSTEM_FIELDS = {"id": "text", "created_by": "text", "version": "integer", "created_at": "datetime", "updated_at": "datetime"}
UNCOMPARABLE = ("boolean", "json", "multi_enum", "rich_text")


class FilterError(Exception):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


@dataclass(frozen=True)
class Field:
    """One filterable thing: a JSON property or a real column."""

    name: str
    data_type: str
    column: str | None  # set for system fields


@dataclass(frozen=True)
class Condition:
    """One checked condition: the value is already in stored form (normalised like a write)."""

    target: Field
    op: str
    value: Any  # a stored value; a list for in/nin/array contains; a bool for is_null; text for text ops


@dataclass(frozen=True)
class Logical:
    op: str  # and | or | not (one child)
    children: tuple["Node", ...]


Node = Condition | Logical
MATCH_ALL = Logical("and", ())


def parse_filter(where: Any, schema: TypeSchema, *, label: str = "filter") -> Node:
    """The checked tree of `where`, or 400 with the bad path. Both SQL (`compile_filter`) and
    the per-event matcher (`filter_match`) start from it, so they accept exactly the same input."""
    if where in (None, {}, []):
        return MATCH_ALL
    parser = _Parser(schema)
    try:
        if isinstance(where, list):  # saved views keep a list of conditions, all of which apply
            return parser.logical("and", where, label, 0)
        return parser.node(where, label, 0)
    except FilterError as exc:
        raise ValidationError([FieldError(exc.path, exc.message)], message=f"{exc.path}: {exc.message}") from None


def compile_filter(where: Any, schema: TypeSchema, sql: db.Sql, *, label: str = "filter") -> str:
    """SQL for `where` (always parenthesised, "1=1" when empty); 400 with the bad path otherwise."""
    tree = parse_filter(where, schema, label=label)
    if tree == MATCH_ALL:
        return "1=1"
    return _SqlWriter(sql).write(tree)


class _Parser:
    """Checks a filter against the type's schema and normalises its values."""

    def __init__(self, schema: TypeSchema) -> None:
        self.schema = schema
        self.conditions = 0

    def node(self, where: Any, path: str, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise FilterError(path, f"nests deeper than {MAX_DEPTH} levels")
        if not isinstance(where, dict) or not where:
            raise FilterError(path, "must be a non-empty object of conditions")
        parts: list[Node] = []
        for key, value in where.items():
            if key in LOGICAL:
                parts.append(self.logical(key, value, f"{path}.{key}", depth + 1))
            else:
                parts.append(self.field(key, value, f"{path}.{key}"))
        return Logical("and", tuple(parts))

    def logical(self, op: str, value: Any, path: str, depth: int) -> Node:
        if op == "not":
            return Logical("not", (self.node(value, path, depth),))
        if not isinstance(value, list) or not value:
            raise FilterError(path, "must be a non-empty list of conditions")
        return Logical(op, tuple(self.node(v, f"{path}[{i}]", depth) for i, v in enumerate(value)))

    def field(self, name: str, spec: Any, path: str) -> Node:
        target = self.resolve(name, path)
        if not (isinstance(spec, dict) and spec and all(k in OPERATORS for k in spec)):
            if isinstance(spec, dict):
                unknown = [k for k in spec if k not in OPERATORS]
                raise FilterError(path, f"unknown operator {unknown[0]!r}; use one of {', '.join(OPERATORS)}")
            spec = {"eq": spec}
        return Logical("and", tuple(self.condition(target, op, value, f"{path}.{op}") for op, value in spec.items()))

    def resolve(self, name: str, path: str) -> Field:
        if name in SYSTEM_FIELDS:
            return Field(name, SYSTEM_FIELDS[name], name)
        prop = self.schema.properties.get(name)
        if prop is None:
            raise FilterError(path, f"'{name}' is not a property of {self.schema.object_type.name}")
        return Field(db.safe_name(prop.name), prop.data_type, None)

    def condition(self, target: Field, op: str, value: Any, path: str) -> Condition:
        self.conditions += 1
        if self.conditions > MAX_CONDITIONS:
            raise FilterError(path, f"a filter may hold at most {MAX_CONDITIONS} conditions")
        if op == "is_null":
            if not isinstance(value, bool):
                raise FilterError(path, "must be true or false")
            return Condition(target, op, value)
        if op in ("in", "nin"):
            if not isinstance(value, list) or not 1 <= len(value) <= MAX_IN_VALUES:
                raise FilterError(path, f"must be a list of 1 to {MAX_IN_VALUES} values")
            return Condition(target, op, [self.value(target, v, f"{path}[{i}]") for i, v in enumerate(value)])
        if op in ("contains", "icontains", "starts_with"):
            return self.text_match(target, op, value, path)
        if op not in ("eq", "ne") and (target.data_type in UNCOMPARABLE):
            raise FilterError(path, f"{target.data_type} values cannot be ordered; use eq, ne, in or contains")
        return Condition(target, op, self.value(target, value, path))

    def text_match(self, target: Field, op: str, value: Any, path: str) -> Condition:
        kind = DATA_TYPES.get(target.data_type)
        if kind is not None and kind.array:
            if op != "contains":
                raise FilterError(path, f"{target.data_type} properties support contains (membership), not {op}")
            return Condition(target, "array_contains", self.array_values(target, value, path))
        if not (kind is not None and kind.textual) and target.data_type != "text":
            raise FilterError(path, f"{op} works on text properties, not {target.data_type}")
        if not isinstance(value, str) or not value:
            raise FilterError(path, "must be a non-empty string")
        return Condition(target, op, value)

    def array_values(self, target: Field, value: Any, path: str) -> list[Any]:
        """Every given value must be an element of the stored array."""
        wanted = value if isinstance(value, list) else [value]
        if not wanted or len(wanted) > MAX_IN_VALUES:
            raise FilterError(path, f"must be a value or a list of 1 to {MAX_IN_VALUES} values")
        if target.data_type == "multi_enum":  # like eq on an enum: a value outside the list is a mistake
            try:
                wanted = normalize(target.data_type, wanted, Rules(enum_values=tuple(self.schema.properties[target.name].enum_values or ())))
            except InvalidValue as exc:
                raise FilterError(path, str(exc)) from None
        return list(wanted)

    def value(self, target: Field, value: Any, path: str) -> Any:
        """The comparison value in stored form, normalised like a write would be."""
        if value is None:
            raise FilterError(path, "use is_null to match missing values")
        if target.column is not None:
            return self.system_value(target, value, path)
        try:
            prop = self.schema.properties[target.name]
            return normalize(target.data_type, value, Rules(enum_values=tuple(prop.enum_values or ())))
        except InvalidValue as exc:
            raise FilterError(path, str(exc)) from None

    def system_value(self, target: Field, value: Any, path: str) -> Any:
        try:
            if target.data_type == "datetime":
                return parse_datetime(value)
            if target.data_type == "integer":
                return normalize("integer", value)
        except InvalidValue as exc:
            raise FilterError(path, str(exc)) from None
        if not isinstance(value, str):
            raise FilterError(path, "must be a string")
        return value


class _SqlWriter:
    """The checked tree as SQL for the dialect, every value bound."""

    def __init__(self, sql: db.Sql) -> None:
        self.sql = sql

    def write(self, node: Node) -> str:
        if isinstance(node, Condition):
            return self.condition(node)
        if node.op == "not":
            # A condition on a missing value is NULL, and NOT NULL is NULL: without COALESCE,
            # {"not": {"active": true}} would drop the objects that have no `active` at all.
            return f"(NOT COALESCE({self.write(node.children[0])}, FALSE))"
        joined = f" {node.op.upper()} ".join(self.write(child) for child in node.children)
        return f"({joined})"

    def condition(self, c: Condition) -> str:
        target, op = c.target, c.op
        if op == "is_null":
            return f"{self.expr(target, raw=True)} IS {'' if c.value else 'NOT '}NULL"
        if op in ("in", "nin"):
            expr = self.expr(target)
            found = self.membership(target, c.value)
            return found if op == "in" else f"({expr} IS NULL OR NOT {found})"
        if op == "array_contains":
            return self.array_contains(target, c.value)
        if op in ("contains", "icontains", "starts_with"):
            return self.text_match(target, op, c.value)
        expr = self.expr(target)
        if op == "ne":
            return f"({expr} IS NULL OR NOT {self.membership(target, [c.value])})"
        if op == "eq":
            return self.membership(target, [c.value])
        return f"({self.ordered(target, op, c.value)})"

    def membership(self, target: Field, values: list[Any]) -> str:
        """`expr` equals one of `values`, JSON kinds included. SQLite reads a stored true as 1, so
        there each value is also matched against the stored value's JSON type."""
        expr = self.expr(target)
        if target.column or self.sql.dialect == "postgres":
            return f"{expr} IN ({', '.join(self.bind(target, v) for v in values)})"
        by_kind: dict[str, list[Any]] = {}
        for value in values:
            by_kind.setdefault(_sqlite_kinds(value), []).append(value)
        path = f"'$.{target.name}'"
        parts = [
            f"(json_type(properties, {path}) IN ({kinds}) AND {expr} IN ({', '.join(self.bind(target, v) for v in group)}))"
            for kinds, group in by_kind.items()
        ]
        return "(" + " OR ".join(parts) + ")"

    def text_match(self, target: Field, op: str, value: str) -> str:
        """Text operators match stored strings only (a stored number 5 does not contain "5")."""
        guard = "" if target.column else self.text_guard(target)
        text = self.text_expr(target)
        needle = self.sql.param(value)
        postgres = self.sql.dialect == "postgres"
        if op == "contains":
            return guard + (f"strpos({text}, {needle}) > 0" if postgres else f"instr({text}, {needle}) > 0")
        if op == "icontains":
            if postgres:
                return guard + f"strpos(lower({text}), lower({needle})) > 0"
            return guard + f"instr({UNICODE_LOWER}({text}), {UNICODE_LOWER}({needle})) > 0"  # SQLite's lower() is ASCII only
        if postgres:
            return guard + f"starts_with({text}, {needle})"
        return guard + f"substr({text}, 1, length({needle})) = {self.sql.param(value)}"  # `?` is positional: bind twice

    def text_guard(self, target: Field) -> str:
        if self.sql.dialect == "postgres":
            return f"jsonb_typeof(properties -> '{target.name}') = 'string' AND "
        return f"json_type(properties, '$.{target.name}') = 'text' AND "

    def array_contains(self, target: Field, wanted: list[Any]) -> str:
        """Each wanted value is an element of the stored array (elements compared whole)."""
        expr = self.expr(target)
        if self.sql.dialect == "postgres":
            scalars = [v for v in wanted if not isinstance(v, (list, dict))]
            parts = [f"{expr} @> CAST({self.sql.param(jsoncodec.dumps(scalars))} AS jsonb)"] if scalars else []
            # @> is recursive ([[1, 2]] contains [[1]]): nested values need element equality
            elements = f"jsonb_array_elements(CASE WHEN jsonb_typeof({expr}) = 'array' THEN {expr} ELSE '[]'::jsonb END)"
            parts += [
                f"EXISTS (SELECT 1 FROM {elements} AS e(v) WHERE e.v = CAST({self.sql.param(jsoncodec.dumps(v))} AS jsonb))"
                for v in wanted
                if isinstance(v, (list, dict))
            ]
            return "(" + " AND ".join(parts) + ")"
        path = f"'$.{target.name}'"
        # json_each also walks a scalar or an object's values, and gives true as 1: check the kinds.
        member = f"SELECT 1 FROM json_each(objects.properties, {path}) AS e WHERE e.type IN ({{}}) AND e.value = {{}}"
        checks = [f"EXISTS ({member.format(_sqlite_kinds(v), self.bind(target, v))})" for v in wanted]
        return f"(json_type(objects.properties, {path}) = 'array' AND " + " AND ".join(checks) + ")"

    def expr(self, target: Field, *, raw: bool = False) -> str:
        """The compared expression; `raw` is the stored JSON value itself (for is_null)."""
        if target.column:
            return target.column
        if raw:
            return json_path(self.sql.dialect, target.name)
        return value_expr(self.sql.dialect, target.name, target.data_type)

    def text_expr(self, target: Field) -> str:
        if target.column:
            return target.column
        if self.sql.dialect == "postgres":
            return f"(properties ->> '{target.name}')"
        return json_path(self.sql.dialect, target.name)

    def ordered(self, target: Field, op: str, value: Any) -> str:
        """An ordered comparison that only values of the same JSON type pass.

        PostgreSQL orders jsonb null < string < number < boolean < array < object (an empty array
        below null), so "a number above x" is the range from x up to `false`, and "a string below
        x" the range from `null` up to x: conditions an index on the property answers whole,
        where `jsonb_typeof` had to read every matching row (a list's count reads them all)."""
        expr = self.expr(target)
        compared = f"{expr} {COMPARISONS[op]} {self.bind(target, value)}"
        if self.sql.dialect == "postgres" and not target.column:
            numeric = DATA_TYPES[target.data_type].numeric
            is_number = isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)
            if numeric and is_number and op in ("gt", "gte"):
                return f"{compared} AND {expr} < 'false'::jsonb"
            if not numeric and isinstance(value, str) and op in ("lt", "lte"):
                return f"{compared} AND {expr} > 'null'::jsonb"
        return self.type_guard(target) + compared

    def type_guard(self, target: Field) -> str:
        """Ordered comparisons only between values of the same JSON type (untyped leftovers never match)."""
        if target.column:
            return ""
        numeric = DATA_TYPES[target.data_type].numeric
        if self.sql.dialect == "postgres":
            return f"jsonb_typeof(properties -> '{target.name}') = '{'number' if numeric else 'string'}' AND "
        kinds = "'integer', 'real'" if numeric else "'text'"
        return f"json_type(properties, '$.{target.name}') IN ({kinds}) AND "

    def bind(self, target: Field, value: Any) -> str:
        if target.column:
            return self.sql.param(value)
        if self.sql.dialect == "postgres":
            return f"CAST({self.sql.param(jsoncodec.dumps(value))} AS jsonb)"
        if isinstance(value, (list, dict)):
            return f"json({self.sql.param(jsoncodec.dumps(value))})"
        if exact_on_sqlite(self.sql.dialect, target.data_type):
            return _decimal_key(self.sql, value)
        return self.sql.param(_sqlite(value))


def _sqlite_kinds(value: Any) -> str:
    """The SQLite json_type names a stored value equal to `value` can have."""
    if isinstance(value, bool):
        return "'true'" if value else "'false'"
    if isinstance(value, (int, float, Decimal)):
        return "'integer', 'real'"
    if isinstance(value, list):
        return "'array'"
    if isinstance(value, dict):
        return "'object'"
    return "'text'"


def _sqlite(value: Any) -> Any:
    """What json_extract returns for a stored JSON value: booleans are 1/0, numbers are numbers."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and "." not in str(value) else float(value)
    if isinstance(value, datetime):
        return value.isoformat(" ")
    return value


def _decimal_key(sql: db.Sql, value: Any) -> str:
    return f"{DECIMAL_KEY}({sql.param(str(value))})"


def sort_param(sql: db.Sql, value: Any, *, is_property: bool, data_type: str | None = None) -> str:
    """Bind a keyset cursor's sort value the way `compile_filter` binds a property or column."""
    if not is_property:
        try:
            return sql.param(parse_datetime(value))
        except InvalidValue:
            raise ValidationError.single("cursor", "is not a cursor this API issued") from None
    if sql.dialect == "postgres":
        return f"CAST({sql.param(jsoncodec.dumps(value))} AS jsonb)"
    if exact_on_sqlite(sql.dialect, data_type):
        return _decimal_key(sql, value)
    return sql.param(_sqlite(value))
