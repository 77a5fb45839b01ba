"""Response headers that protect pages: the Content-Security-Policy, HSTS behind HTTPS."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from tests.customers.factories import make_customer
from tests.timeline.factories import make_interaction
from vinculo.timeline.services import FileIn

POLICY = django_settings.CONTENT_SECURITY_POLICY
TEMPLATES = Path(django_settings.BASE_DIR)


def _directives(policy: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


def test_the_policy_allows_no_inline_script_or_style():
    directives = _directives(POLICY)
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["base-uri"] == "'self'" and directives["form-action"] == "'self'"
    assert "unsafe" not in POLICY


@pytest.mark.parametrize("url", ["/customers/", "/accounts/profile/", "/api/v1/docs"])
def test_every_page_sends_the_policy(client, owner, url):
    client.force_login(owner)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == POLICY


def test_the_sign_in_page_sends_it(client, db):
    assert client.get("/accounts/login/")["Content-Security-Policy"] == POLICY


def test_error_pages_send_it_too(client, owner):
    client.force_login(owner)
    assert client.get("/customers/999999/")["Content-Security-Policy"] == POLICY
    assert client.get("/customers/?tag=%00")["Content-Security-Policy"] == POLICY


def test_attachment_downloads_keep_their_sandbox(client, owner, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    interaction = make_interaction(
        owner, make_customer(owner), files=[FileIn("x.html", b"<script>1</script>", "text/html")]
    )
    client.force_login(owner)
    response = client.get(f"/api/v1/attachments/{interaction.attachments.get().pk}")
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


INLINE = [
    (re.compile(r"\son[a-z]+\s*=", re.I), "inline event handler"),
    (re.compile(r"\shx-on", re.I), "hx-on handler (needs eval)"),
    (
        re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I),
        "inline <script>",
    ),
    (re.compile(r"\sstyle\s*=", re.I), "inline style attribute"),
    (re.compile(r"<style", re.I), "inline <style>"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_template_needs_inline_script_or_style():
    """What the policy would block in a browser, found in the templates themselves."""
    found = []
    for path in sorted(TEMPLATES.rglob("templates/**/*.html")):
        text = path.read_text()
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(TEMPLATES)}:{line}: {what}")
    assert found == []


# --- HTTPS: HSTS and the proxy's scheme header, when SECURE_COOKIES=1 ----------------------


def _settings_with(env: dict[str, str]) -> dict:
    """The settings module as a fresh process reads it with this environment."""
    code = (
        "import json, vinculo.settings as s; print(json.dumps({k: getattr(s, k, None) for k in "
        "['SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS', "
        "'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_PROXY_SSL_HEADER']}))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SECURE_")}
    out = subprocess.run(
        [sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_plain_http_installs_send_no_hsts():
    values = _settings_with({})
    assert values == {
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
        "SECURE_HSTS_SECONDS": None,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": None,
        "SECURE_PROXY_SSL_HEADER": None,
    }


def test_secure_cookies_turn_on_hsts_and_trust_the_proxy_scheme():
    values = _settings_with({"SECURE_COOKIES": "1"})
    assert values == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
    }
    tuned = _settings_with(
        {
            "SECURE_COOKIES": "1",
            "SECURE_HSTS_SECONDS": "600",
            "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
            "SECURE_PROXY_SSL_HEADER": "X-Scheme",
        }
    )
    assert tuned["SECURE_HSTS_SECONDS"] == 600 and tuned["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert tuned["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_SCHEME", "https"]


def test_behind_the_proxy_https_requests_get_hsts(client, db, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    secure = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    assert secure["Strict-Transport-Security"] == "max-age=31536000"
    plain = client.get("/accounts/login/")
    assert "Strict-Transport-Security" not in plain
