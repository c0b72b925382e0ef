"""The Content-Security-Policy: strict on every page, loosened for styles only on the API's own UIs."""

import json
import re

import pytest
from django.urls import reverse

from tests.weaver.test_settings import _manage

pytestmark = pytest.mark.django_db


def directives(response, header="Content-Security-Policy") -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in response[header].split(";") if d.strip()}


def test_every_page_carries_a_strict_policy(client, network, alice):
    client.force_login(alice)
    policy = directives(client.get(reverse("networks:network-detail", args=[network.slug])))
    assert policy == {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }


def test_the_login_page_and_an_error_page_carry_it_too(client):
    assert directives(client.get(reverse("login")))["script-src"] == ["'self'"]
    assert directives(client.get("/networks/nowhere/"))["script-src"] == ["'self'"]


def test_the_api_docs_run_no_inline_script_and_only_their_styles_are_loosened(client, alice):
    client.force_login(alice)
    docs = client.get(reverse("api-docs"))
    assert directives(docs)["script-src"] == ["'self'"]
    assert directives(docs)["style-src"] == ["'self'", "'unsafe-inline'"]
    assert not re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", docs.text)
    start_up = client.get(reverse("api-docs") + "?script")
    assert (
        start_up["Content-Type"].startswith("application/javascript") and "SwaggerUIBundle" in start_up.text
    )


def test_the_policy_can_be_made_report_only_with_a_report_address():
    code = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps([s.CONTENT_SECURITY_POLICY, s.CONTENT_SECURITY_POLICY_REPORT_ONLY]))"
    )
    result = _manage(
        "shell",
        "-c",
        code,
        WEAVER_CSP_REPORT_ONLY="1",
        WEAVER_CSP_REPORT_URI="https://reports.example.org/csp",
    )
    assert result.returncode == 0, result.stderr
    enforced, report_only = json.loads(result.stdout.strip().splitlines()[-1])
    assert enforced is None
    assert report_only["DIRECTIVES"]["report-uri"] == ["https://reports.example.org/csp"]
    assert report_only["DIRECTIVES"]["script-src"] == ["'self'"]


def test_report_only_sends_the_report_only_header_instead(client, settings):
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = settings.CONTENT_SECURITY_POLICY
    settings.CONTENT_SECURITY_POLICY = None
    response = client.get(reverse("login"))
    assert "Content-Security-Policy" not in response
    assert directives(response, "Content-Security-Policy-Report-Only")["script-src"] == ["'self'"]
