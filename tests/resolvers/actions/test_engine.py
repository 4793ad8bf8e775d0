"""The action engine against the database: definitions checked with their paths, the nine action
types run on real records, failures and timeouts recorded, the depth limit, tenant isolation, and
filter templates bound as data."""

from __future__ import annotations

import asyncio
import json
import secrets
from decimal import Decimal
from typing import Any

import pytest
from starlette.applications import Starlette

from models.events import Event
from models.jobs import JobRun
from resolvers.actions.engine import DepthExceeded, check_actions, run_actions
from resolvers.actions.schemas import ActionFailed, Run
from resolvers.errors import NotFound, ValidationError
from resolvers.jobs.service import create_job
from resolvers.objects.service import create_object, get_object, list_objects
from resolvers.principal import Principal
from resolvers.runtime import Runtime
from tests.mailbox import Outbox, body_of
from tests.support import TenantHandle, make_tenant, make_type, principal_of
from tests.webhook_receiver import Receiver

ORDER_PROPERTIES = [
    {"name": "name", "data_type": "string"},
    {"name": "status", "data_type": "string"},
    {"name": "region", "data_type": "string"},
    {"name": "total", "data_type": "integer"},
]
ORDERS = [
    {"name": "A", "status": "paid", "region": "eu", "total": 10},
    {"name": "B", "status": "paid", "region": "us", "total": 20},
    {"name": "C", "status": "open", "region": "eu", "total": 30},
    {"name": "D", "status": "paid", "region": "eu", "total": 45},
    {"name": "E", "status": "void", "region": "us"},
]


@pytest.fixture
def runtime(app: Starlette) -> Runtime:
    return app.state.runtime


def pipeline(tenant: TenantHandle, *, depth: int = 0, **data: Any) -> Run:
    """A run as an automation of `tenant` makes it."""
    return Run(principal=Principal.system(tenant.tenant_id, "auto_engine_tests"), data=data, depth=depth)


async def orders(tenant: TenantHandle, values: list[dict[str, Any]] = ORDERS) -> list[str]:
    """Orders created one by one, in this order (so newest first is the reverse)."""
    await make_type(tenant, "order", ORDER_PROPERTIES)
    ids: list[str] = []
    for value in values:
        ids.append((await create_object(principal_of(tenant), "order", value)).id)
        await asyncio.sleep(0.01)
    return ids


def fields_of(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, str]:
    return {e.field: e.message for e in exc.value.errors}


# --- checking definitions --------------------------------------------------------------------------


def test_valid_actions_are_returned_as_stored() -> None:
    checked = check_actions([
        {"type": "query_records", "config": {"collection": "order", "filter": "status = 'paid'", "sort": "-created_at"}},
        {"type": "transform", "config": {"output": {"n": "{{actions[0].result}}"}}},
    ])
    assert checked == [
        {"type": "query_records", "config": {"collection": "order", "filter": "status = 'paid'", "sort": "-created_at"}},
        {"type": "transform", "config": {"output": {"n": "{{actions[0].result}}"}}},
    ]
    assert check_actions(None) == []


def test_an_unknown_action_type_is_refused_with_its_path() -> None:
    with pytest.raises(ValidationError) as exc:
        check_actions([{"type": "transform", "config": {"output": 1}}, {"type": "run_shell", "config": {}}])
    assert list(fields_of(exc)) == ["actions[1].type"]
    assert "send_webhook" in fields_of(exc)["actions[1].type"]


def test_missing_required_config_is_refused_with_its_path() -> None:
    with pytest.raises(ValidationError) as exc:
        check_actions([{"type": "query_records", "config": {}}, {"type": "update_record", "config": {"collection": "order"}}])
    assert fields_of(exc) == {"actions[0].config.collection": "is required", "actions[1].config.id": "is required"}


def test_a_filter_that_does_not_parse_is_refused_with_its_path_and_position() -> None:
    actions = [
        {"type": "transform", "config": {"output": 1}},
        {"type": "transform", "config": {"output": 2}},
        {"type": "query_records", "config": {"collection": "order", "filter": "status ==== 'paid'"}},
    ]
    with pytest.raises(ValidationError) as exc:
        check_actions(actions)
    assert fields_of(exc) == {"actions[2].config.filter": "syntax error at line 1, column 9"}


def test_a_filter_that_is_not_a_record_filter_is_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        check_actions([
            {"type": "query_records", "config": {"collection": "order", "filter": "status = region"}},
            {"type": "aggregate_records", "config": {"collection": "order", "function": "count", "filter": "@has_role('admin')"}},
        ])
    assert set(fields_of(exc)) == {"actions[0].config.filter", "actions[1].config.filter"}


def test_an_unknown_aggregate_function_is_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        check_actions([{"type": "aggregate_records", "config": {"collection": "order", "function": "median", "field": "total"}}])
    assert list(fields_of(exc)) == ["actions[0].config.function"]
    assert "count, sum, avg, min, max" in fields_of(exc)["actions[0].config.function"]


def test_an_unknown_webhook_method_is_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        check_actions([{"type": "send_webhook", "config": {"url": "https://example.com/hook", "method": "TRACE"}}])
    assert list(fields_of(exc)) == ["actions[0].config.method"]
    assert check_actions([{"type": "send_webhook", "config": {"url": "https://example.com", "method": "patch"}}])


def test_more_than_twenty_actions_are_refused() -> None:
    one = {"type": "transform", "config": {"output": 1}}
    assert len(check_actions([one] * 20)) == 20
    with pytest.raises(ValidationError) as exc:
        check_actions([one] * 21)
    assert list(fields_of(exc)) == ["actions"]
    assert "at most 20" in fields_of(exc)["actions"]


def test_every_bad_path_is_named_at_once() -> None:
    with pytest.raises(ValidationError) as exc:
        check_actions([
            {"type": "send_email", "config": {"to": "a@example.com"}},
            "not an action",
            {"type": "transform", "config": "not an object"},
        ], field="action")
    assert set(fields_of(exc)) == {"action[0].config.subject", "action[1].type", "action[2].config"}


# --- the nine action types ------------------------------------------------------------------------------


async def test_records_are_created_updated_and_deleted_with_templates_from_the_request(tenant: TenantHandle, runtime: Runtime) -> None:
    await make_type(tenant, "order", ORDER_PROPERTIES)
    run = pipeline(tenant, request={"body": {"name": "Ada", "total": 12}})
    actions = [
        {"type": "create_record", "config": {"collection": "order", "data": {"name": "{{request.body.name}}", "total": "{{request.body.total}}", "status": "open"}}},
        {"type": "update_record", "config": {"collection": "order", "id": "{{actions[0].result.id}}", "data": {"status": "paid", "total": 13}}},
        {"type": "create_record", "config": {"collection": "order", "data": {"name": "copy of {{actions[1].result.properties.name}}"}}},
        {"type": "delete_record", "config": {"collection": "order", "id": "{{actions[2].result.id}}"}},
    ]
    last = await run_actions(run, actions, runtime)
    assert [r["status"] for r in run.results] == ["succeeded"] * 4
    created, updated, copy = (r["result"] for r in run.results[:3])
    assert created["properties"] == {"name": "Ada", "total": 12, "status": "open"} and created["version"] == 1
    assert created["created_by"] == "auto_engine_tests"
    assert updated["id"] == created["id"] and updated["version"] == 2
    assert last == {"id": copy["id"], "deleted": True}
    stored = await get_object(principal_of(tenant), "order", created["id"])
    assert stored.properties == {"name": "Ada", "total": 13, "status": "paid"}
    with pytest.raises(NotFound):
        await get_object(principal_of(tenant), "order", copy["id"])
    assert all(isinstance(r["duration_ms"], int) for r in run.results)


async def test_events_caused_by_actions_carry_the_depth_of_the_run(tenant: TenantHandle, runtime: Runtime) -> None:
    await make_type(tenant, "order", ORDER_PROPERTIES)
    run = pipeline(tenant, depth=3)
    created = await run_actions(run, [{"type": "create_record", "config": {"collection": "order", "data": {"name": "deep"}}}], runtime)
    event = await Event.filter(tenant_id=tenant.tenant_id, object_id=created["id"]).first()
    assert event is not None and event.depth == 3


async def test_query_records_filters_sorts_newest_first_and_pages(tenant: TenantHandle, runtime: Runtime) -> None:
    await orders(tenant)
    run = pipeline(tenant, request={"query": {"limit": "2"}})
    actions = [
        {"type": "query_records", "config": {"collection": "order", "filter": "status = 'paid'", "sort": "-created_at"}},
        {"type": "query_records", "config": {"collection": "order", "filter": "status = 'paid'", "sort": "-created_at", "limit": "{{request.query.limit}}", "offset": 1}},
        {"type": "query_records", "config": {"collection": "order", "filter": "total >= 20 and region in ['eu', 'us']", "sort": "created_at"}},
        {"type": "query_records", "config": {"collection": "order", "filter": "total is null"}},
        {"type": "query_records", "config": {"collection": "order", "filter": "status = 'paid'", "offset": 10}},
    ]
    await run_actions(run, actions, runtime)
    every, page, ordered, missing, beyond = (r["result"] for r in run.results)
    assert [r["properties"]["name"] for r in every] == ["D", "B", "A"]
    assert [r["properties"]["name"] for r in page] == ["B", "A"]
    assert [r["properties"]["name"] for r in ordered] == ["B", "C", "D"]
    assert [r["properties"]["name"] for r in missing] == ["E"]
    assert beyond == []


async def test_aggregates_are_computed_over_the_inserted_values(tenant: TenantHandle, runtime: Runtime) -> None:
    await orders(tenant)
    run = pipeline(tenant)
    measures = [("count", None), ("sum", "total"), ("avg", "total"), ("min", "total"), ("max", "total")]
    actions = [{"type": "aggregate_records", "config": {"collection": "order", "function": f, "field": field}} for f, field in measures]
    actions.append({"type": "aggregate_records", "config": {"collection": "order", "function": "count", "filter": "status = 'paid'"}})
    await run_actions(run, actions, runtime)
    count, total, average, low, high, paid = (r["result"] for r in run.results)
    assert (count, total, low, high, paid) == (5, 105, 10, 45, 3)
    assert float(average) == pytest.approx(26.25)


async def test_aggregates_group_by_a_property(tenant: TenantHandle, runtime: Runtime) -> None:
    await orders(tenant)
    run = pipeline(tenant)
    actions = [
        {"type": "aggregate_records", "config": {"collection": "order", "function": "count", "group_by": "region"}},
        {"type": "aggregate_records", "config": {"collection": "order", "function": "sum", "field": "total", "group_by": "region"}},
        {"type": "aggregate_records", "config": {"collection": "order", "function": "max", "field": "total", "group_by": "status"}},
        {"type": "aggregate_records", "config": {"collection": "order", "function": "avg", "field": "total", "group_by": "region", "filter": "status = 'paid'"}},
    ]
    await run_actions(run, actions, runtime)
    counted, summed, highest, averaged = (r["result"] for r in run.results)
    assert counted == {"eu": 3, "us": 2}
    assert summed == {"eu": 85, "us": 20}
    assert highest == {"open": 30, "paid": 45, "void": None}
    assert {k: float(v) for k, v in averaged.items()} == {"eu": 27.5, "us": 20.0}


async def test_an_aggregate_over_a_property_that_is_not_numeric_fails_the_run(tenant: TenantHandle, runtime: Runtime) -> None:
    await orders(tenant, ORDERS[:1])
    run = pipeline(tenant)
    with pytest.raises(ActionFailed) as exc:
        await run_actions(run, [{"type": "aggregate_records", "config": {"collection": "order", "function": "sum", "field": "name"}}], runtime)
    assert exc.value.index == 0
    assert run.results[0]["status"] == "failed" and "not numeric" in run.results[0]["error"]


async def test_transform_shapes_earlier_results(tenant: TenantHandle, runtime: Runtime) -> None:
    await orders(tenant)
    run = pipeline(tenant, request={"body": {"who": "Ada"}})
    actions = [
        {"type": "aggregate_records", "config": {"collection": "order", "function": "sum", "field": "total", "filter": "status = 'paid'"}},
        {"type": "query_records", "config": {"collection": "order", "filter": "status = 'open'"}},
        {"type": "transform", "config": {"output": {
            "paid_total": "{{actions[0].result}}",
            "first_open": "{{actions[1].result[0].properties.name}}",
            "open_ids": ["{{actions[1].result[0].id}}"],
            "summary": "{{request.body.who}}: {{actions[0].result}} paid",
            "missing": "{{actions[5].result}}",
        }}},
    ]
    result = await run_actions(run, actions, runtime)
    assert result == {
        "paid_total": 75, "first_open": "C", "open_ids": [run.results[1]["result"][0]["id"]],
        "summary": "Ada: 75 paid", "missing": None,
    }


async def test_send_email_queues_a_mail_that_is_delivered(tenant: TenantHandle, runtime: Runtime, outbox: Outbox) -> None:
    address = f"buyer-{secrets.token_hex(4)}@example.com"
    run = pipeline(tenant, request={"body": {"email": address, "ref": "A-17", "total": 42}})
    result = await run_actions(run, [{"type": "send_email", "config": {
        "to": "{{request.body.email}}", "subject": "Order {{request.body.ref}}", "text": "Total: {{request.body.total}} EUR",
    }}], runtime)
    assert result["sent"] is True and result["message_id"]
    message = await outbox.latest(address)
    assert message["Subject"] == "Order A-17"
    assert body_of(message).strip() == "Total: 42 EUR"


async def test_send_webhook_posts_the_rendered_body_and_records_the_answer(tenant: TenantHandle, runtime: Runtime, receiver: Receiver) -> None:
    receiver.script("/orders", 201)
    run = pipeline(tenant, request={"body": {"ref": "A-17", "lines": [1, 2]}})
    result = await run_actions(run, [
        {"type": "transform", "config": {"output": {"ok": True}}},
        {"type": "send_webhook", "config": {
            "url": receiver.url("/orders"), "headers": {"X-Ref": "{{request.body.ref}}"},
            "body": {"ref": "{{request.body.ref}}", "lines": "{{request.body.lines}}", "previous": "{{actions[0].result}}"},
        }},
    ], runtime)
    assert result["status_code"] == 201 and result["body"] == {"ok": True}
    received = receiver.at("/orders")
    assert len(received) == 1
    assert json.loads(received[0].body) == {"ref": "A-17", "lines": [1, 2], "previous": {"ok": True}}
    assert received[0].headers["x-ref"] == "A-17" and received[0].headers["content-type"] == "application/json"


async def test_enqueue_job_queues_a_run_of_the_named_job(tenant: TenantHandle, runtime: Runtime) -> None:
    job = await create_job(principal_of(tenant), {
        "name": "rebuild totals", "cron_expression": "0 0 1 1 *", "action_type": "transform", "action_config": {"output": 1},
    })
    run = pipeline(tenant, depth=2, request={"body": {"ref": "A-17"}})
    result = await run_actions(run, [{"type": "enqueue_job", "config": {"job": "rebuild totals", "data": {"ref": "{{request.body.ref}}"}}}], runtime)
    assert result["job_id"] == job.id and result["run_id"].startswith("jrun_")
    queued = await JobRun.get(id=result["run_id"])
    assert (queued.tenant_id, queued.job_id, queued.trigger, queued.depth) == (tenant.tenant_id, job.id, "enqueue", 3)
    assert queued.data == {"ref": "A-17"}


async def test_enqueue_job_of_an_unknown_job_fails_the_action(tenant: TenantHandle, runtime: Runtime) -> None:
    run = pipeline(tenant)
    with pytest.raises(ActionFailed):
        await run_actions(run, [{"type": "enqueue_job", "config": {"job": "no such job"}}], runtime)
    assert run.results[0]["status"] == "failed" and run.results[0]["error"].startswith("NOT_FOUND")


# --- failures, timeout, depth -------------------------------------------------------------------------------


async def test_a_failing_action_stops_the_run_and_keeps_earlier_results(tenant: TenantHandle, runtime: Runtime) -> None:
    await make_type(tenant, "order", ORDER_PROPERTIES)
    run = pipeline(tenant)
    actions = [
        {"type": "create_record", "config": {"collection": "order", "data": {"name": "kept"}}},
        {"type": "update_record", "config": {"collection": "order", "id": "obj_doesnotexist", "data": {"name": "x"}}},
        {"type": "create_record", "config": {"collection": "order", "data": {"name": "never"}}},
    ]
    with pytest.raises(ActionFailed) as exc:
        await run_actions(run, actions, runtime)
    assert exc.value.index == 1 and str(exc.value).startswith("actions[1]: ")
    assert [(r["type"], r["status"]) for r in run.results] == [("create_record", "succeeded"), ("update_record", "failed")]
    assert run.results[1]["error"].startswith("NOT_FOUND: ") and "result" not in run.results[1]
    assert run.results[0]["result"]["properties"] == {"name": "kept"}
    names = [o.properties["name"] for o in (await list_objects(principal_of(tenant), "order")).items]
    assert names == ["kept"]


async def test_an_invalid_record_fails_the_action_and_writes_nothing(tenant: TenantHandle, runtime: Runtime) -> None:
    await make_type(tenant, "order", ORDER_PROPERTIES)
    run = pipeline(tenant, request={"body": {"total": "lots"}})
    with pytest.raises(ActionFailed):
        await run_actions(run, [{"type": "create_record", "config": {"collection": "order", "data": {"total": "{{request.body.total}}"}}}], runtime)
    assert run.results[0]["error"].startswith("VALIDATION_ERROR")
    assert (await list_objects(principal_of(tenant), "order")).items == []


async def test_a_run_that_takes_longer_than_its_timeout_fails(tenant: TenantHandle, runtime: Runtime, receiver: Receiver) -> None:
    receiver.script("/slow", delay=2)
    run = pipeline(tenant)
    actions = [
        {"type": "transform", "config": {"output": "first"}},
        {"type": "send_webhook", "config": {"url": receiver.url("/slow"), "body": {}}},
        {"type": "transform", "config": {"output": "never"}},
    ]
    with pytest.raises(ActionFailed) as exc:
        await run_actions(run, actions, runtime, timeout=0.5)
    assert exc.value.index == 1 and "longer than 0.5 s" in exc.value.message
    assert run.results[0] == {**run.results[0], "type": "transform", "status": "succeeded", "result": "first"}
    assert run.results[1]["type"] == "send_webhook" and run.results[1]["status"] == "failed"
    assert run.results[1]["error"] == "the run took longer than 0.5 s"
    assert len(run.results) == 2


async def test_a_webhook_to_an_unreachable_address_fails_the_action(tenant: TenantHandle, runtime: Runtime) -> None:
    run = pipeline(tenant)
    with pytest.raises(ActionFailed):
        await run_actions(run, [{"type": "send_webhook", "config": {"url": "http://127.0.0.1:9/nothing"}}], runtime)
    assert run.results[0]["status"] == "failed" and run.results[0]["error"].startswith("the request failed")


async def test_a_chain_deeper_than_five_runs_nothing(tenant: TenantHandle, runtime: Runtime) -> None:
    await make_type(tenant, "order", ORDER_PROPERTIES)
    create = {"type": "create_record", "config": {"collection": "order", "data": {"name": "deep"}}}
    assert (await run_actions(pipeline(tenant, depth=5), [create], runtime))["properties"] == {"name": "deep"}
    too_deep = pipeline(tenant, depth=6)
    with pytest.raises(DepthExceeded) as exc:
        await run_actions(too_deep, [create], runtime)
    assert exc.value.code == "ACTION_DEPTH_EXCEEDED" and exc.value.status == 409
    assert too_deep.results == []
    assert len((await list_objects(principal_of(tenant), "order")).items) == 1


# --- tenant isolation ------------------------------------------------------------------------------------------


async def test_actions_of_one_tenant_never_reach_another_tenants_records(tenant: TenantHandle, runtime: Runtime) -> None:
    other = await make_tenant("Other Co")
    await make_type(tenant, "order", ORDER_PROPERTIES)
    other_type = await make_type(other, "order", ORDER_PROPERTIES)
    theirs = (await create_object(principal_of(other), "order", {"name": "theirs", "status": "paid", "total": 99})).id

    found = pipeline(tenant)
    await run_actions(found, [
        {"type": "query_records", "config": {"collection": "order"}},
        {"type": "aggregate_records", "config": {"collection": "order", "function": "count"}},
    ], runtime)
    assert found.results[0]["result"] == [] and found.results[1]["result"] == 0

    for action in (
        {"type": "update_record", "config": {"collection": "order", "id": theirs, "data": {"name": "mine now"}}},
        {"type": "delete_record", "config": {"collection": "order", "id": theirs}},
        {"type": "query_records", "config": {"collection": other_type}},
        {"type": "update_record", "config": {"collection": other_type, "id": theirs, "data": {"name": "mine now"}}},
    ):
        run = pipeline(tenant)
        with pytest.raises(ActionFailed):
            await run_actions(run, [action], runtime)
        assert run.results[0]["error"].startswith("NOT_FOUND: "), run.results

    untouched = await get_object(principal_of(other), "order", theirs)
    assert untouched.properties["name"] == "theirs" and untouched.version == 1


# --- filter templates are data ---------------------------------------------------------------------------------


@pytest.mark.parametrize("hostile", ["x' or '1'='1", ") or (1 = 1", "Ada' --", "\" or \"\"=\""])
async def test_a_template_in_a_filter_matches_only_its_literal_value(tenant: TenantHandle, runtime: Runtime, hostile: str) -> None:
    await orders(tenant, [{"name": "Ada", "total": 1}, {"name": "Bob", "total": 2}, {"name": hostile, "total": 3}])
    run = pipeline(tenant, request={"body": {"name": hostile}})
    await run_actions(run, [
        {"type": "query_records", "config": {"collection": "order", "filter": "name = '{{request.body.name}}'"}},
        {"type": "query_records", "config": {"collection": "order", "filter": "name = {{request.body.name}}"}},
        {"type": "aggregate_records", "config": {"collection": "order", "function": "sum", "field": "total", "filter": "name = '{{request.body.name}}' or total = 1"}},
    ], runtime)
    quoted, bare, summed = (r["result"] for r in run.results)
    assert [r["properties"]["name"] for r in quoted] == [hostile]
    assert [r["properties"]["name"] for r in bare] == [hostile]
    assert summed == 4


async def test_a_hostile_template_value_matches_nothing_when_no_record_has_it(tenant: TenantHandle, runtime: Runtime) -> None:
    await orders(tenant, [{"name": "Ada", "total": 1}, {"name": "Bob", "total": 2}])
    for hostile in ("x' or '1'='1", ") or (1 = 1"):
        run = pipeline(tenant, request={"body": {"name": hostile}})
        await run_actions(run, [
            {"type": "query_records", "config": {"collection": "order", "filter": "name = '{{request.body.name}}'"}},
            {"type": "aggregate_records", "config": {"collection": "order", "function": "count", "filter": "name = '{{request.body.name}}'"}},
        ], runtime)
        assert run.results[0]["result"] == [] and run.results[1]["result"] == 0


async def test_a_template_value_shaped_like_an_operator_is_a_value_not_an_operator(tenant: TenantHandle, runtime: Runtime) -> None:
    await orders(tenant, [{"name": "Ada", "total": 1}, {"name": "Bob", "total": 2}])
    run = pipeline(tenant, request={"body": {"name": {"ne": "nobody"}}})
    with pytest.raises(ActionFailed):
        await run_actions(run, [{"type": "query_records", "config": {"collection": "order", "filter": "name = {{request.body.name}}"}}], runtime)
    assert run.results[0]["status"] == "failed" and "result" not in run.results[0]


async def test_template_values_fill_lists_and_numbers_in_filters(tenant: TenantHandle, runtime: Runtime) -> None:
    await orders(tenant)
    run = pipeline(tenant, request={"body": {"min": 20, "status": "paid"}})
    result = await run_actions(run, [{"type": "query_records", "config": {
        "collection": "order", "filter": "total >= {{request.body.min}} and status in ['{{request.body.status}}', 'open']", "sort": "created_at",
    }}], runtime)
    assert [r["properties"]["name"] for r in result] == ["B", "C", "D"]


async def test_a_numeric_string_from_the_query_compares_as_a_number_in_a_filter(tenant: TenantHandle, runtime: Runtime) -> None:
    await orders(tenant)
    run = pipeline(tenant, request={"query": {"min": "20"}})
    result = await run_actions(run, [{"type": "query_records", "config": {
        "collection": "order", "filter": "total >= {{request.query.min}}", "sort": "created_at",
    }}], runtime)
    assert [r["properties"]["name"] for r in result] == ["B", "C", "D"]


async def test_aggregates_of_exact_decimals_are_exact(tenant: TenantHandle, runtime: Runtime) -> None:
    await make_type(tenant, "invoice", [{"name": "amount", "data_type": "decimal"}])
    for amount in ("1.10", "2.20", "0.10"):
        await create_object(principal_of(tenant), "invoice", {"amount": amount})
    run = pipeline(tenant)
    await run_actions(run, [
        {"type": "aggregate_records", "config": {"collection": "invoice", "function": "sum", "field": "amount"}},
        {"type": "aggregate_records", "config": {"collection": "invoice", "function": "avg", "field": "amount"}},
    ], runtime)
    total, average = (r["result"] for r in run.results)
    assert Decimal(str(total)) == Decimal("3.40")
    assert Decimal(str(average)).quantize(Decimal("0.0001")) == Decimal("1.1333")
