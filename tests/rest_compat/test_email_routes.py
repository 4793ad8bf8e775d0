"""Transactional email over REST and GraphQL: queued in the outbox, read back from the real SMTP
server."""

from __future__ import annotations

import uuid

from tests.mailbox import Outbox, body_of
from tests.support import Api, TenantHandle, data, error_code, make_tenant


def address() -> str:
    return f"mail-{uuid.uuid4().hex[:10]}@example.com"


async def test_a_sent_email_arrives_with_its_text_html_sender_and_reply_to(api: Api, tenant: TenantHandle, outbox: Outbox) -> None:
    to = address()
    sent = data(await api.rest("POST", "/v1/email/send", tenant.token, json={
        "to": to, "subject": "Your order", "text": "Thanks!", "html": "<p>Thanks!</p>",
        "from": "Acme Shop <shop@basalt.test>", "reply_to": "help@example.com",
    }))
    assert sent["sent"] is True and sent["message_id"].startswith("mail_") and sent["message_ids"] == [sent["message_id"]]
    mail = await outbox.latest(to)
    assert mail["Subject"] == "Your order" and mail["From"] == "Acme Shop <shop@basalt.test>" and mail["Reply-To"] == "help@example.com"
    assert body_of(mail).strip() == "Thanks!"
    assert "<p>Thanks!</p>" in mail.get_body(preferencelist=("html",)).get_content()


async def test_several_recipients_get_one_mail_each(api: Api, tenant: TenantHandle, outbox: Outbox) -> None:
    first, second = address(), address()
    sent = data(await api.rest("POST", "/v1/email/send", tenant.token, json={"to": [first, second, first], "subject": "Hi", "text": "x"}))
    assert len(sent["message_ids"]) == 2
    assert (await outbox.latest(first))["To"] == first
    assert (await outbox.latest(second))["To"] == second


async def test_bad_input_names_the_field(api: Api, tenant: TenantHandle) -> None:
    cases = [
        ({"subject": "s", "text": "t"}, "to"),
        ({"to": "not-an-address", "subject": "s", "text": "t"}, "to"),
        ({"to": [address(), "x"], "subject": "s", "text": "t"}, "to[1]"),
        ({"to": address(), "text": "t"}, "subject"),
        ({"to": address(), "subject": "a\nBcc: victim@example.com", "text": "t"}, "subject"),
        ({"to": address(), "subject": "s", "text": "t", "from": "ceo@bank.example"}, "from"),
        ({"to": address(), "subject": "s", "text": "t", "reply_to": "nope"}, "reply_to"),
    ]
    for body, field in cases:
        response = await api.rest("POST", "/v1/email/send", tenant.token, json=body)
        assert response.status_code == 400 and error_code(response) == "VALIDATION_ERROR", (body, response.text)
        assert field in {d["field"] for d in response.json()["error"]["details"]}, (body, response.text)
    missing_body = await api.rest("POST", "/v1/email/send", tenant.token, json={"to": address(), "subject": "s"})
    assert {d["field"] for d in missing_body.json()["error"]["details"]} == {"text", "html"}


async def test_sending_needs_the_write_scope_and_a_bearer(api: Api) -> None:
    reader = await make_tenant(scopes=["read"])
    body = {"to": address(), "subject": "s", "text": "t"}
    refused = await api.rest("POST", "/v1/email/send", reader.token, json=body)
    assert refused.status_code == 403 and error_code(refused) == "INSUFFICIENT_SCOPE"
    assert (await api.rest("POST", "/v1/email/send", json=body)).status_code == 401


async def test_graphql_sends_the_same_mail(api: Api, tenant: TenantHandle, outbox: Outbox) -> None:
    to = address()
    result = await api.gql(
        'mutation($to: JSON!) { sendEmail(input: {to: $to, subject: "From GraphQL", text: "hello"}) { sent messageId } }',
        tenant.token, to=to,
    )
    assert result["data"]["sendEmail"]["sent"] is True
    assert (await outbox.latest(to))["Subject"] == "From GraphQL"
