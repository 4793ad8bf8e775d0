"""The list filter language compiled to SQL: what it refuses, and that values never reach SQL text.

These tests compile against an in-memory schema (models built, never saved), so they need no
database; one test runs the compiled SQLite text on a throwaway in-memory sqlite3 table.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest

from models.object_types import ObjectType
from models.properties import Property
from resolvers import db
from resolvers.errors import ValidationError
from resolvers.objects.filters import MAX_CONDITIONS, MAX_DEPTH, MAX_IN_VALUES, compile_filter
from resolvers.objects.schemas import TypeSchema

DIALECTS = ["sqlite", "postgres"]


def schema() -> TypeSchema:
    object_type = ObjectType(id="ot_deals0000", tenant_id="tn_test0000", name="deals", display_name="Deals")
    specs = [
        ("name", "string", None),
        ("score", "integer", None),
        ("price", "decimal", None),
        ("active", "boolean", None),
        ("status", "enum", ["open", "won"]),
        ("tags", "multi_enum", ["red", "blue"]),
    ]
    props = {
        name: Property(id=f"prop_{name}00", tenant_id="tn_test0000", object_type_id=object_type.id, name=name, data_type=kind, enum_values=values)
        for name, kind, values in specs
    }
    return TypeSchema(object_type=object_type, properties=props)


def compiled(where: Any, dialect: str = "sqlite", **kwargs: Any) -> tuple[str, list[Any]]:
    sql = db.Sql(dialect)  # type: ignore[arg-type]
    return compile_filter(where, schema(), sql, **kwargs), sql.params


def refusal(where: Any, dialect: str = "sqlite", **kwargs: Any) -> tuple[str, str]:
    """(field, message) of the single error `where` is refused with."""
    with pytest.raises(ValidationError) as caught:
        compiled(where, dialect, **kwargs)
    assert caught.value.status == 400 and caught.value.code == "VALIDATION_ERROR"
    [error] = caught.value.errors
    assert caught.value.message == f"{error.field}: {error.message}"
    return error.field, error.message


def nested_nots(levels: int) -> dict[str, Any]:
    where: dict[str, Any] = {"score": 1}
    for _ in range(levels):
        where = {"not": where}
    return where


@pytest.mark.parametrize("empty", [None, {}, []])
def test_an_empty_filter_matches_everything_and_binds_nothing(empty: Any) -> None:
    assert compiled(empty) == ("1=1", [])


@pytest.mark.parametrize("dialect", DIALECTS)
def test_an_unknown_operator_is_named_with_the_allowed_ones(dialect: str) -> None:
    field, message = refusal({"score": {"gte": 1, "between": [1, 5]}}, dialect)
    assert field == "filter.score" and "'between'" in message and "starts_with" in message


@pytest.mark.parametrize("dialect", DIALECTS)
def test_nesting_is_limited_in_depth(dialect: str) -> None:
    sql, params = compiled(nested_nots(MAX_DEPTH), dialect)
    assert sql.count("NOT") == MAX_DEPTH and len(params) == 1
    field, message = refusal(nested_nots(MAX_DEPTH + 1), dialect)
    assert field == "filter" + ".not" * (MAX_DEPTH + 1) and f"deeper than {MAX_DEPTH}" in message

    deep_or: dict[str, Any] = {"score": 1}
    for _ in range(MAX_DEPTH + 1):
        deep_or = {"or": [deep_or, {"active": True}]}
    field, _ = refusal(deep_or, dialect)
    assert field == "filter" + ".or[0]" * (MAX_DEPTH + 1)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_filter_holds_at_most_100_conditions(dialect: str) -> None:
    _, params = compiled({"or": [{"score": i} for i in range(MAX_CONDITIONS)]}, dialect)
    assert len(params) == MAX_CONDITIONS
    field, message = refusal({"or": [{"score": i} for i in range(MAX_CONDITIONS + 1)]}, dialect)
    assert field == f"filter.or[{MAX_CONDITIONS}].score.eq" and f"at most {MAX_CONDITIONS} conditions" in message

    # Several operators on one property count one each.
    field, _ = refusal({"or": [{"score": {"gt": i, "lt": i + 10}} for i in range(MAX_CONDITIONS // 2 + 1)]}, dialect)
    assert field == f"filter.or[{MAX_CONDITIONS // 2}].score.gt"


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"in": 5}, "filter.score.in"),
        ({"in": "1,2"}, "filter.score.in"),
        ({"in": []}, "filter.score.in"),
        ({"nin": list(range(MAX_IN_VALUES + 1))}, "filter.score.nin"),
        ({"in": [1, "two", 3]}, "filter.score.in[1]"),
        ({"in": [1, None]}, "filter.score.in[1]"),
        ({"nin": [1.5]}, "filter.score.nin[0]"),
    ],
    ids=["scalar", "text", "empty", "too-many", "bad-item", "null-item", "fraction"],
)
def test_a_bad_in_list_is_refused_with_its_path(spec: dict[str, Any], field: str) -> None:
    assert refusal({"score": spec})[0] == field


def test_a_full_in_list_binds_every_value() -> None:
    sql, params = compiled({"score": {"in": list(range(MAX_IN_VALUES))}}, "postgres")
    assert len(params) == MAX_IN_VALUES and f"${MAX_IN_VALUES}" in sql


@pytest.mark.parametrize(
    ("where", "field", "fragment"),
    [
        ({"colour": "red"}, "filter.colour", "not a property of deals"),
        ({"tenant_id": "tn_other"}, "filter.tenant_id", "not a property"),
        ({"deleted_at": {"is_null": False}}, "filter.deleted_at", "not a property"),
        ({"score": None}, "filter.score.eq", "is_null"),
        ({"score": {"is_null": 1}}, "filter.score.is_null", "true or false"),
        ({"score": {"contains": "1"}}, "filter.score.contains", "text"),
        ({"tags": {"starts_with": "r"}}, "filter.tags.starts_with", "contains"),
        ({"tags": {"contains": "green"}}, "filter.tags.contains", "among"),
        ({"active": {"lt": True}}, "filter.active.lt", "cannot be ordered"),
        ({"price": {"gt": "cheap"}}, "filter.price.gt", "decimal"),
        ({"created_at": {"gt": "yesterday"}}, "filter.created_at.gt", "ISO 8601"),
        ({"id": {"eq": 5}}, "filter.id.eq", "string"),
        ({"or": []}, "filter.or", "non-empty list"),
        ({"and": {"score": 1}}, "filter.and", "non-empty list"),
        ({"not": [{"score": 1}]}, "filter.not", "non-empty object"),
        ([{"score": 1}, "score = 1"], "filter[1]", "non-empty object"),
        ("score = 1", "filter", "non-empty object"),
    ],
)
def test_what_the_compiler_refuses(where: Any, field: str, fragment: str) -> None:
    got_field, message = refusal(where)
    assert got_field == field and fragment in message


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("key", ["score') OR 1=1 --", "score' OR '1'='1", 'score"', "score.x", "$.score", "sc ore"])
def test_hostile_keys_never_reach_sql(dialect: str, key: str) -> None:
    field, _ = refusal({key: 1}, dialect)
    assert field == f"filter.{key}"


@pytest.mark.parametrize("dialect", DIALECTS)
def test_values_are_bound_never_pasted(dialect: str) -> None:
    hostile = "x') OR 1=1 --"
    sql, params = compiled({"name": {"contains": hostile}, "or": [{"name": hostile}, {"name": {"in": ["a", hostile]}}]}, dialect)
    assert hostile not in sql and "1=1" not in sql
    assert sum(hostile in str(p) for p in params) == 3


def test_the_label_names_the_input_and_a_list_ands_its_items() -> None:
    field, _ = refusal([{"score": 1}, {"colour": "red"}], label="filters")
    assert field == "filters[1].colour"
    sql, params = compiled([{"score": 1}, {"status": "open"}])
    assert " AND " in sql and params == [1, "open"]


def test_not_is_the_complement_even_for_missing_values() -> None:
    """Run the compiled SQLite text on a scratch table: NOT must not drop rows lacking the key."""
    rows = {"on": {"active": True}, "off": {"active": False}, "unset": {}, "scored": {"score": 3}}
    scratch = sqlite3.connect(":memory:")
    scratch.execute("CREATE TABLE objects (id TEXT, properties TEXT)")
    scratch.executemany("INSERT INTO objects VALUES (?, ?)", [(k, json.dumps(v)) for k, v in rows.items()])

    def matching(where: Any) -> set[str]:
        sql, params = compiled(where)
        return {r[0] for r in scratch.execute(f"SELECT id FROM objects WHERE {sql}", params)}

    for where in ({"active": True}, {"score": {"gt": 1}}, {"or": [{"active": False}, {"score": {"lt": 5}}]}, {"tags": {"contains": "red"}}):
        assert matching(where) | matching({"not": where}) == set(rows), where
        assert not matching(where) & matching({"not": where}), where
    assert matching({"not": {"not": {"active": True}}}) == {"on"}


@pytest.mark.parametrize(("where", "bound"), [
    ({"score": {"gte": 10}}, "< 'false'::jsonb"),
    ({"price": {"gt": "1.5"}}, "< 'false'::jsonb"),
    ({"name": {"lt": "m"}}, "> 'null'::jsonb"),
])
def test_postgres_bounds_an_open_range_by_the_jsonb_order_instead_of_reading_each_type(where: Any, bound: str) -> None:
    """A range an index on the property answers whole: a list's count reads no rows to check types."""
    sql, _ = compiled(where, "postgres")
    assert bound in sql and "jsonb_typeof" not in sql


@pytest.mark.parametrize("where", [{"score": {"lt": 10}}, {"name": {"gte": "m"}}])
def test_postgres_checks_the_type_where_the_jsonb_order_has_no_bound(where: Any) -> None:
    """Nothing sorts between strings and numbers: below a number or above a string, the type is read."""
    sql, _ = compiled(where, "postgres")
    assert "jsonb_typeof" in sql and "'false'" not in sql and "'null'" not in sql
