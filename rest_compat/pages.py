"""Human-facing pages: the landing page, the API docs (rendered server-side, no CDN) and the raw OpenAPI."""

from __future__ import annotations

import html
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from graphql_api.context import principal_of
from resolvers.auth import service as user_auth
from resolvers.custom_endpoints import service as custom_endpoints
from resolvers.auth.emails import CONFIRM_PAGE

STYLE = """
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d232a;background:#f7f7f5}
main{max-width:980px;margin:0 auto;padding:24px}
h1{font-size:28px}h2{border-bottom:1px solid #ddd;padding-top:16px}
.op{background:#fff;border:1px solid #e2e2e2;border-radius:6px;margin:10px 0;padding:8px 14px}
.m{display:inline-block;min-width:64px;font-weight:700;font-family:monospace}
.GET{color:#1565c0}.POST{color:#2e7d32}.PATCH{color:#ef6c00}.PUT{color:#6a1b9a}.DELETE{color:#c62828}
code,pre{font-family:ui-monospace,monospace;font-size:13px}pre{background:#f3f3f0;padding:8px;overflow:auto}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:2px 8px;text-align:left}
summary{cursor:pointer}a{color:#1565c0}
"""


JWKS_PATH = "/.well-known/jwks.json"

# Nothing is spent when the page loads: mail scanners open links, so the user presses the button.
CONFIRM_SCRIPT = """
const q = new URLSearchParams(location.search), token = q.get("token") || "", type = q.get("type") || "";
const out = document.getElementById("out"), form = document.getElementById("form"), pw = document.getElementById("pw");
const routes = {signup: "portal-verify-email", email_change: "portal-verify-email",
                recovery: "portal-reset-password", magiclink: "portal-magic-link-verify"};
const titles = {signup: "Confirm your email", email_change: "Confirm your new email",
                recovery: "Choose a new password", magiclink: "Sign in"};
document.getElementById("title").textContent = titles[type] || "This link is not valid";
if (!routes[type] || !token) { form.hidden = true; } else if (type !== "recovery") { pw.hidden = true; pw.required = false; }
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = type === "recovery" ? {token, password: pw.value} : {token};
  const answer = await fetch("/v1/auth/" + routes[type], {method: "POST", headers: {"Content-Type": "application/json"},
                                                            body: JSON.stringify(body)}).then(r => r.json());
  if (!answer.success) { out.textContent = answer.error.message; return; }
  form.hidden = true;
  out.textContent = type === "magiclink" ? "You are signed in. To continue in your app, its owner sets site_url in the auth config."
                                         : answer.data.message;
});
"""


def page_routes() -> list[Route]:
    return [
        Route("/", landing, methods=["GET"]),
        Route("/docs", docs, methods=["GET"]),
        Route("/docs/openapi.json", openapi_json, methods=["GET"]),
        Route(JWKS_PATH, jwks_json, methods=["GET"]),
        Route(CONFIRM_PAGE, confirm_page, methods=["GET"]),
    ]


async def landing(request: Request) -> Response:
    body = (
        "<h1>Basalt</h1><p>A multi-tenant backend: GraphQL first, with a REST-compatible surface.</p>"
        '<ul><li><a href="/docs">API documentation</a> (<a href="/docs/openapi.json">OpenAPI 3.1</a>)</li>'
        '<li><a href="/graphql">GraphQL</a> (POST; GraphiQL in development)</li>'
        '<li><a href="/health">Health</a> · <a href="/ready">Readiness</a></li></ul>'
    )
    return HTMLResponse(_page("Basalt", body))


async def jwks_json(request: Request) -> Response:
    """The public keys that verify our access tokens (RFC 7517, raw), for other services."""
    keys = await user_auth.jwks(request.app.state.runtime)
    return JSONResponse(keys, headers={"Cache-Control": "public, max-age=300"})


async def confirm_page(request: Request) -> Response:
    """The default target of mailed links: confirms, resets or signs in through the public portal
    routes when the user presses the button. The token never leaves in a Referer header."""
    body = (
        '<h1 id="title">Confirm</h1><form id="form"><p><input id="pw" type="password" minlength="8" maxlength="1024" '
        'placeholder="New password" autocomplete="new-password" required></p><p><button>Continue</button></p></form>'
        f'<p id="out" role="status"></p><script>{CONFIRM_SCRIPT}</script>'
    )
    return HTMLResponse(
        _page("Basalt", body, head='<meta name="referrer" content="no-referrer">'),
        headers={"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"},
    )


async def openapi_json(request: Request) -> Response:
    """The raw OpenAPI document (not enveloped), as tools expect it. With a token, the tenant's
    view: its enabled custom endpoints are in it too."""
    document = request.app.state.openapi
    principal = principal_of(request)
    if principal is None:
        return JSONResponse(document)
    own = await custom_endpoints.openapi_paths(principal.tenant_id)
    return JSONResponse({**document, "paths": {**document["paths"], **own}}, headers={"Cache-Control": "private, no-store"})


async def docs(request: Request) -> Response:
    return HTMLResponse(request.app.state.docs_html)


def render_docs(spec: dict[str, Any]) -> str:
    """One static HTML page describing every operation, grouped by tag."""
    by_tag: dict[str, list[str]] = {t["name"]: [] for t in spec.get("tags", [])}
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            by_tag.setdefault(op["tags"][0], []).append(_operation_html(method.upper(), path, op))
    toc = " · ".join(f'<a href="#{_anchor(t)}">{html.escape(t)}</a>' for t in by_tag)
    sections = "".join(
        f'<h2 id="{_anchor(tag)}">{html.escape(tag)}</h2>' + "".join(ops) for tag, ops in by_tag.items()
    )
    intro = (
        f"<h1>{html.escape(spec['info']['title'])} <small>{html.escape(spec['info']['version'])}</small></h1>"
        f"<p>{html.escape(spec['info']['description'])}</p>"
        '<p>Authenticate with <code>Authorization: Bearer &lt;token&gt;</code>. '
        'Machine-readable: <a href="/docs/openapi.json">/docs/openapi.json</a>.</p>'
        f"<p>{toc}</p>"
    )
    return _page("Basalt API", intro + sections)


def _operation_html(method: str, path: str, op: dict[str, Any]) -> str:
    auth = "Bearer" if op.get("security") else "Public"
    parts = [f"<p>{html.escape(op['description'])}</p>"]
    if op.get("parameters"):
        rows = "".join(
            f"<tr><td><code>{html.escape(p['name'])}</code></td><td>{p['in']}</td><td>{'yes' if p.get('required') else ''}</td>"
            f"<td><code>{html.escape(json.dumps(p['schema']))}</code></td></tr>"
            for p in op["parameters"]
        )
        parts.append(f"<table><tr><th>name</th><th>in</th><th>required</th><th>schema</th></tr>{rows}</table>")
    if "requestBody" in op:
        schema = op["requestBody"]["content"]["application/json"]["schema"]
        parts.append(f"<p>Request body</p><pre>{html.escape(json.dumps(schema, indent=2))}</pre>")
    status, response = next(iter(op["responses"].items()))
    content = response.get("content", {})
    if "application/json" in content:
        schema = content["application/json"]["schema"]
        parts.append(f"<p>Response {status}</p><pre>{html.escape(json.dumps(schema, indent=2))}</pre>")
    else:  # a stream or a protocol upgrade
        kinds = ", ".join(content) or "no body"
        parts.append(f"<p>Response {status}: {html.escape(response['description'])} ({html.escape(kinds)})</p>")
    errors = ", ".join(s for s in op["responses"] if s != status)
    parts.append(f"<p>Errors: {errors} (envelope with <code>error.code</code>)</p>")
    return (
        f'<details class="op"><summary><span class="m {method}">{method}</span> <code>{html.escape(path)}</code> '
        f"— {html.escape(op['summary'])} <small>[{auth}]</small></summary>{''.join(parts)}</details>"
    )


def _anchor(tag: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in tag.lower())


def _page(title: str, body: str, *, head: str = "") -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>{head}'
        f'<meta name="viewport" content="width=device-width,initial-scale=1"><style>{STYLE}</style></head>'
        f"<body><main>{body}</main></body></html>"
    )
