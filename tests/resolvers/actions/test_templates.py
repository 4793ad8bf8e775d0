"""Templates in action configs: whole values keep their JSON type, text interpolates, paths walk
plain data only, and anything that is not a template path stays literally as written."""

from __future__ import annotations

import json
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import pytest

from resolvers.actions.templates import render

CONTEXT: dict[str, Any] = {
    "request": {
        "body": {
            "count": 3, "ratio": 2.5, "tags": ["a", "b"], "customer": {"id": "c1", "vip": True}, "off": False,
            "nothing": None, "name": "Ada", "x": "plain",
        },
        "query": {"page": "2"},
        "params": {"id": "obj_1"},
    },
    "event": {"data": {"id": "obj_9", "total": 120}},
    "auth": {"user_id": "usr_1", "email": "ada@example.com", "account_id": "ten_1"},
    "actions": [
        {"result": {"sent": True}},
        {"result": {"items": [{"id": "first"}, {"id": "second"}], "count": 2}},
    ],
}


def context(**overrides: Any) -> dict[str, Any]:
    return {**CONTEXT, **overrides}


# --- whole values keep their type --------------------------------------------------------------


def test_a_whole_value_template_naming_a_number_stays_a_number() -> None:
    assert render("{{request.body.count}}", context()) == 3
    assert render("{{request.body.ratio}}", context()) == 2.5
    assert render("  {{ event.data.total }}  ", context()) == 120


def test_a_whole_value_template_naming_a_list_or_an_object_keeps_it() -> None:
    assert render("{{request.body.tags}}", context()) == ["a", "b"]
    assert render("{{request.body.customer}}", context()) == {"id": "c1", "vip": True}
    assert render("{{request.body.off}}", context()) is False


def test_a_whole_value_template_naming_nothing_is_null() -> None:
    assert render("{{request.body.missing}}", context()) is None
    assert render("{{request.body.nothing}}", context()) is None
    assert render("{{request.body.customer.id.deeper}}", context()) is None
    assert render("{{actions[7].result}}", context()) is None


# --- interpolation inside text -----------------------------------------------------------------


def test_numbers_inside_text_are_written_as_numbers() -> None:
    assert render("count={{request.body.count}}, ratio={{request.body.ratio}}", context()) == "count=3, ratio=2.5"


def test_booleans_inside_text_are_written_true_and_false() -> None:
    assert render("vip={{request.body.customer.vip}} off={{request.body.off}}", context()) == "vip=true off=false"


def test_objects_and_lists_inside_text_are_written_as_json() -> None:
    text = render("customer: {{request.body.customer}}", context())
    assert text.startswith("customer: ")
    assert json.loads(text.removeprefix("customer: ")) == {"id": "c1", "vip": True}
    tags = render("tags {{request.body.tags}}", context())
    assert json.loads(tags.removeprefix("tags ")) == ["a", "b"]


def test_a_template_naming_nothing_inside_text_is_empty() -> None:
    assert render("[{{request.body.missing}}]", context()) == "[]"
    assert render("[{{request.body.nothing}}]", context()) == "[]"


def test_text_with_several_templates_fills_each() -> None:
    text = "Hi {{request.body.name}} ({{auth.email}}), page {{request.query.page}} of {{request.params.id}}"
    assert render(text, context()) == "Hi Ada (ada@example.com), page 2 of obj_1"


# --- structures ----------------------------------------------------------------------------------


def test_templates_in_nested_dicts_and_lists_are_all_rendered() -> None:
    value = {
        "to": ["{{auth.email}}", "static@example.com"],
        "data": {"count": "{{request.body.count}}", "label": "n={{request.body.count}}", "deep": [{"id": "{{event.data.id}}"}]},
        "untouched": 7,
    }
    assert render(value, context()) == {
        "to": ["ada@example.com", "static@example.com"],
        "data": {"count": 3, "label": "n=3", "deep": [{"id": "obj_9"}]},
        "untouched": 7,
    }


def test_the_value_given_is_not_changed_in_place() -> None:
    value = {"data": {"count": "{{request.body.count}}"}}
    render(value, context())
    assert value == {"data": {"count": "{{request.body.count}}"}}


# --- now and paths into earlier results ------------------------------------------------------------


def test_now_is_an_iso_8601_date_time() -> None:
    now = render("{{now}}", {})
    assert isinstance(now, str)
    parsed = datetime.fromisoformat(now)
    assert parsed.tzinfo is not None


def test_now_from_the_context_is_used_when_given() -> None:
    assert render("at {{now}}", {"now": "2024-05-01T10:00:00+00:00"}) == "at 2024-05-01T10:00:00+00:00"


def test_a_path_into_an_earlier_result_walks_list_indexes_and_keys() -> None:
    assert render("{{actions[1].result.items[0].id}}", context()) == "first"
    assert render("{{actions[1].result.items[1].id}}", context()) == "second"
    assert render("id={{actions[1].result.items[0].id}}", context()) == "id=first"
    assert render("{{actions[0].result.sent}}", context()) is True
    assert render("{{actions[1].result.items[5].id}}", context()) is None


def test_paths_walk_dict_keys_never_attributes() -> None:
    with_object = context(request=SimpleNamespace(body={"x": "hidden"}))
    assert render("{{request.body}}", with_object) is None
    assert render("[{{request.body.x}}]", with_object) == "[]"


# --- injection: what is not a template path stays literal --------------------------------------------


@pytest.mark.parametrize(
    "template",
    [
        "{{7*7}}",
        "{{request.body.__class__}}",
        "{{request.body.__dict__}}",
        "{{ config }}",
        "{{__import__('os').system('x')}}",
        "{{request.body.x | attr('y')}}",
        "{{request.body._private}}",
        "{{self.__init__.__globals__}}",
        "{{''.__class__.__mro__}}",
    ],
)
def test_an_expression_that_is_not_a_template_path_comes_out_literally(template: str) -> None:
    assert render(template, context()) == template
    assert render(f"before {template} after", context()) == f"before {template} after"
    assert render({"nested": [template]}, context()) == {"nested": [template]}


def test_a_value_that_itself_holds_a_template_is_not_rendered_again() -> None:
    sneaky = context(request={"body": {"comment": "{{auth.user_id}}", "again": "{{request.body.comment}}"}})
    assert render("{{request.body.comment}}", sneaky) == "{{auth.user_id}}"
    assert render("note: {{request.body.comment}}", sneaky) == "note: {{auth.user_id}}"
    assert render("{{request.body.again}}", sneaky) == "{{request.body.comment}}"
    assert render({"data": {"c": "{{request.body.comment}}"}}, sneaky) == {"data": {"c": "{{auth.user_id}}"}}


def test_an_earlier_result_holding_a_template_is_not_rendered_again() -> None:
    sneaky = context(actions=[{"result": {"text": "{{auth.email}}"}}])
    assert render("{{actions[0].result.text}}", sneaky) == "{{auth.email}}"
    interpolated = render("got {{actions[0].result}}", sneaky)
    assert json.loads(interpolated.removeprefix("got ")) == {"text": "{{auth.email}}"}


def test_roots_outside_the_template_vocabulary_are_left_alone() -> None:
    assert render("{{settings.secret_key}}", {"settings": {"secret_key": "s3cret"}}) == "{{settings.secret_key}}"
    assert render("{{os}}", {"os": "nope"}) == "{{os}}"
