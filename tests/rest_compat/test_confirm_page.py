"""The default target of mailed links (`/auth/confirm`): a page that confirms through the public
portal routes only when the user presses its button."""

from __future__ import annotations

import uuid
from urllib.parse import urlparse

from tests.mailbox import Outbox, link_in, token_in
from tests.support import Api, TenantHandle, data


async def test_links_point_at_the_confirm_page_which_spends_nothing_when_opened(api: Api, tenant: TenantHandle, outbox: Outbox) -> None:
    address = f"page-{uuid.uuid4().hex[:10]}@example.com"
    data(await api.rest("POST", "/v1/auth/magic-link", tenant.token, json={"email": address}))
    mail = await outbox.latest(address)
    link = urlparse(link_in(mail))
    assert link.path == "/auth/confirm"

    page = await api.client.get(f"{link.path}?{link.query}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["referrer-policy"] == "no-referrer" and page.headers["cache-control"] == "no-store"
    assert "/v1/auth/" in page.text and "portal-magic-link-verify" in page.text

    session = data(await api.rest("POST", "/v1/auth/portal-magic-link-verify", json={"token": token_in(mail)}))
    assert session["user"]["email"] == address  # opening the page left the token unused
