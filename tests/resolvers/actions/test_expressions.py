"""Rule expressions: parsed by a grammar into an AST, evaluated over plain data, never as code;
conditions evaluated through the engine with the context of a run."""

from __future__ import annotations

import re
from typing import Any

import pytest

from resolvers.actions import expressions
from resolvers.actions.engine import check_condition, condition_holds
from resolvers.actions.expressions import Compare, Literal, Logic, Path, parse
from resolvers.actions.schemas import Run
from resolvers.actions.templates import render
from resolvers.errors import ValidationError
from resolvers.principal import Principal

SYSTEM = Principal.system("ten_expressions", "auto_expressions")


def holds(text: str, **data: Any) -> bool:
    """`text` evaluated over `data` (names are keys; templates see the same data)."""

    def names(path: Path) -> Any:
        current: Any = data
        for part in path.parts:
            if isinstance(part, int):
                current = current[part] if isinstance(current, list) and part < len(current) else None
            else:
                current = current.get(part) if isinstance(current, dict) else None
        return current

    return bool(expressions.evaluate(parse(text), names, lambda t: render(t, data), {}))


def run_with(record: dict[str, Any] | None = None, auth: dict[str, Any] | None = None, **data: Any) -> Run:
    return Run(principal=SYSTEM, data={"record": record or {}, "auth": auth or {}, **data})


def message_of(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return exc.value.errors[0].message


# --- comparisons ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("status = 'paid'", True),
        ('status = "paid"', True),
        ("status != 'paid'", False),
        ("total > 100", True),
        ("total >= 150", True),
        ("total < 150", False),
        ("total <= 150", True),
        ("total > 150.5", False),
        ("count = -2", True),
        ("active = true", True),
        ("active = false", False),
        ("note = null", True),
        ("missing = null", True),
        ("missing > 1", False),
        ("status = 'PAID'", False),
    ],
)
def test_comparisons_evaluate_over_plain_data(text: str, expected: bool) -> None:
    assert holds(text, status="paid", total=150, count=-2, active=True, note=None) is expected


def test_a_comparison_parses_to_an_ast_of_plain_nodes() -> None:
    assert parse("total >= 10.5") == Compare(">=", Path(("total",)), Literal(10.5))
    assert parse("items[0].sku = 'A'") == Compare("=", Path(("items", 0, "sku")), Literal("A"))


def test_numbers_and_numeric_strings_compare_as_numbers() -> None:
    assert holds("total > 100", total="150")
    assert holds("total = 10", total="10.0")
    assert holds("total < '20'", total=3)
    assert not holds("total > 100", total="abc")
    assert not holds("total = 1", total="one")
    assert holds("'9' < 10")


def test_values_of_different_kinds_never_raise_only_differ() -> None:
    assert not holds("tags > 1", tags=["a"])
    assert not holds("meta < 'x'", meta={"a": 1})
    assert holds("tags != 1", tags=["a"])


def test_escaped_quotes_in_a_string_literal_are_part_of_the_value() -> None:
    assert holds(r"name = 'O\'Brien'", name="O'Brien")
    assert holds(r'name = "say \"hi\""', name='say "hi"')


# --- logic and precedence ----------------------------------------------------------------------------


def test_and_binds_tighter_than_or() -> None:
    assert parse("a or b and c") == Logic("or", (Path(("a",)), Logic("and", (Path(("b",)), Path(("c",))))))
    assert holds("a or b and c", a=True, b=False, c=False)  # a or (b and c); (a or b) and c would be false
    assert not holds("a and b or c", a=True, b=False, c=False)


def test_parentheses_override_precedence() -> None:
    assert not holds("(a or b) and c", a=True, b=False, c=False)
    assert holds("a and (b or c)", a=True, b=False, c=True)
    assert holds("((status = 'paid'))", status="paid")


def test_not_applies_to_the_nearest_condition() -> None:
    assert parse("not a and b") == Logic("and", (Logic("not", (Path(("a",)),)), Path(("b",))))
    assert not holds("not a and b", a=False, b=False)  # (not a) and b
    assert holds("not (a and b)", a=False, b=False)
    assert holds("not not a", a=True)


def test_keywords_are_case_insensitive() -> None:
    assert holds("a OR b AND NOT c", a=False, b=True, c=False)
    assert holds("x IS NULL and y Is Not Null", y=1)


def test_a_bare_name_holds_when_its_value_is_truthy() -> None:
    assert holds("flag", flag=1)
    assert not holds("flag", flag="")
    assert not holds("flag", flag=[])
    assert not holds("flag")


# --- in, null, text operators ---------------------------------------------------------------------------


def test_in_and_not_in_test_membership_of_a_list() -> None:
    assert holds("status in ['paid', 'open']", status="open")
    assert not holds("status in ['paid', 'open']", status="void")
    assert holds("status not in ['paid', 'open']", status="void")
    assert not holds("status not in ['paid']", status="paid")
    assert holds("total in [1, 2, 3]", total="2")
    assert not holds("status in []", status="paid")


def test_is_null_and_is_not_null_test_for_absence() -> None:
    assert holds("note is null", note=None)
    assert holds("missing is null")
    assert not holds("note is not null", note=None)
    assert holds("note is not null", note="")
    assert holds("count is not null", count=0)


def test_contains_finds_text_in_text_and_items_in_lists() -> None:
    assert holds("title contains 'urgent'", title="very urgent matter")
    assert not holds("title contains 'URGENT'", title="very urgent matter")
    assert holds("tags contains 'vip'", tags=["new", "vip"])
    assert not holds("tags contains 'gold'", tags=["new", "vip"])
    assert not holds("total contains '1'", total=15)


def test_icontains_ignores_case_and_starts_with_tests_the_beginning() -> None:
    assert holds("title icontains 'URGENT'", title="Very Urgent")
    assert holds("sku starts_with 'AB-'", sku="AB-123")
    assert not holds("sku starts_with 'B'", sku="AB-123")
    assert holds("sku STARTS_WITH 'ab'", sku="ab") and not holds("sku starts_with 'x'")


def test_templates_are_values_compared_as_data() -> None:
    request = {"body": {"min": 100, "name": "Ada", "roles": "x' or '1'='1"}}
    assert holds("total > {{request.body.min}}", total=150, request=request)
    assert not holds("total > {{request.body.min}}", total=50, request=request)
    assert holds("name = '{{request.body.name}}'", name="Ada", request=request)
    assert not holds("name = '{{request.body.roles}}'", name="Ada", request=request)
    assert holds("name = '{{request.body.roles}}'", name="x' or '1'='1", request=request)


# --- functions through the engine -------------------------------------------------------------------------


def test_has_role_compares_the_role_of_the_caller() -> None:
    admin = run_with(auth={"user_id": "usr_1", "role": "admin"})
    assert condition_holds("@has_role('admin')", admin)
    assert not condition_holds("@has_role('owner')", admin)
    assert not condition_holds("@has_role('admin')", run_with(auth={"user_id": "usr_2", "role": "member"}))


def test_owns_record_holds_for_the_creator_of_the_record_only() -> None:
    record = {"id": "obj_1", "created_by": "usr_1", "status": "open"}
    assert condition_holds("@owns_record()", run_with(record, {"user_id": "usr_1"}))
    assert not condition_holds("@owns_record()", run_with(record, {"user_id": "usr_2"}))
    assert not condition_holds("@owns_record()", run_with({"id": "obj_1", "created_by": None}, {"user_id": None}))


def test_is_authenticated_holds_when_there_is_a_user() -> None:
    assert condition_holds("@is_authenticated()", run_with(auth={"user_id": "usr_1"}))
    assert not condition_holds("@is_authenticated()", run_with(auth={"user_id": None}))
    assert not condition_holds("@is_authenticated()", run_with())


def test_functions_combine_with_comparisons_on_the_record() -> None:
    run = run_with({"status": "paid", "total": 120, "created_by": "usr_1"}, {"user_id": "usr_1", "role": "member"})
    assert condition_holds("status = 'paid' and (@has_role('admin') or @owns_record())", run)
    assert not condition_holds("status = 'paid' and @has_role('admin')", run)
    assert condition_holds("total > 100 and record.status = 'paid' and auth.role = 'member'", run)


def test_an_empty_condition_always_holds() -> None:
    assert condition_holds(None, run_with())
    assert condition_holds("", run_with())


def test_a_condition_names_the_run_context_by_dotted_paths() -> None:
    run = run_with({"total": 5}, {"user_id": "usr_1"}, event={"type": "object.created", "data": {"items": [{"qty": 3}]}})
    assert condition_holds("event.type = 'object.created' and event.data.items[0].qty = 3", run)
    assert condition_holds("total = 5 and auth.user_id = 'usr_1'", run)


def test_has_role_with_a_missing_role_never_holds() -> None:
    anonymous = run_with(auth={"user_id": None}, request={"query": {}})
    assert not condition_holds("@has_role('{{request.query.role}}')", anonymous)
    assert not condition_holds("@has_role(null)", anonymous)


def test_an_unknown_function_is_refused_with_a_validation_error() -> None:
    with pytest.raises(ValidationError) as exc:
        condition_holds("@drop_everything()", run_with())
    assert "@drop_everything is not a function" in message_of(exc)
    with pytest.raises(ValidationError):
        expressions.evaluate(parse("@has_role('admin')"), lambda p: None, lambda t: t, {})


def test_an_unknown_function_is_refused_when_the_condition_is_saved() -> None:
    with pytest.raises(ValidationError):
        check_condition("@drop_everything()", "conditions[0]")


# --- syntax errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("a ==== b", 1, 4),
        ("status = 'paid' and = 3", 1, 21),
        ("a = 1 )", 1, 7),
        ("a = 1 and\nb === 2", 2, 4),
        ("status = 'paid'\n  or total > > 3", 2, 14),
    ],
)
def test_a_syntax_error_names_its_line_and_column(text: str, line: int, column: int) -> None:
    with pytest.raises(ValidationError) as exc:
        parse(text, field="conditions[0]")
    assert exc.value.errors[0].field == "conditions[0]"
    assert message_of(exc) == f"syntax error at line {line}, column {column}"


@pytest.mark.parametrize("text", ["status = ", "(a = 1", "status in ['a', ", "@has_role("])
def test_an_expression_that_ends_too_early_is_refused_with_a_position(text: str) -> None:
    with pytest.raises(ValidationError) as exc:
        parse(text, field="filter")
    message = message_of(exc)
    found = re.fullmatch(r"syntax error at line (\d+), column (\d+)", message)
    assert found is not None, message
    assert found.group(1) == "1" and 1 <= int(found.group(2)) <= len(text) + 1


def test_a_syntax_error_on_a_later_line_reports_that_line() -> None:
    text = "status = 'paid'\nand total >>= 3\nand x = 1"
    with pytest.raises(ValidationError) as exc:
        parse(text)
    assert message_of(exc).startswith("syntax error at line 2, column ")


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "x" * 2001])
def test_empty_and_over_long_expressions_are_refused(text: str) -> None:
    with pytest.raises(ValidationError) as exc:
        parse(text, field="conditions[0]")
    assert exc.value.errors[0].field == "conditions[0]"
    assert "1 to 2000 characters" in message_of(exc)


def test_an_expression_of_exactly_the_limit_is_accepted() -> None:
    text = "a = '" + "x" * 1994 + "'"
    assert len(text) == 2000
    assert parse(text) == Compare("=", Path(("a",)), Literal("x" * 1994))


def test_a_condition_that_does_not_parse_is_refused_when_saved() -> None:
    with pytest.raises(ValidationError) as exc:
        check_condition("status ==== 'x'", "conditions[2]")
    assert exc.value.errors[0].field == "conditions[2]"
    assert check_condition("status = 'x'", "conditions[0]") == "status = 'x'"


# --- nothing is evaluated as code ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["__import__('os')", "__import__('os').system('echo hi')", "eval('1')", "a = 1; b = 2", "lambda: 1", "7 * 7 = 49", "a = b.c()"],
)
def test_python_code_is_a_syntax_error_not_a_call(text: str) -> None:
    with pytest.raises(ValidationError) as exc:
        parse(text)
    assert message_of(exc).startswith("syntax error at line 1")


def test_an_unknown_at_function_shaped_like_code_is_refused_not_called() -> None:
    with pytest.raises(ValidationError) as exc:
        condition_holds("@__import__('os')", run_with())
    assert "@__import__ is not a function" in message_of(exc)


def test_dunder_names_resolve_to_null_not_to_python_attributes() -> None:
    run = run_with({"a": "text", "n": 1}, {"user_id": "usr_1"})
    assert condition_holds("a.__class__ is null", run)
    assert not condition_holds("a.__class__", run)
    assert not condition_holds("a.__class__ = 'str'", run)
    assert condition_holds("__class__ is null and __dict__ is null", run)
    assert condition_holds("record.__class__ is null and auth.__dict__ is null", run)
    assert condition_holds("n.real is null", run)


def test_names_outside_the_run_context_resolve_to_null() -> None:
    run = run_with({"status": "open"})
    assert condition_holds("settings is null and os.environ is null", run)
    assert not condition_holds("principal.tenant_id = 'ten_expressions'", run)
