"""The pages under their Content-Security-Policy, in a real Chromium: no violation is
reported while the features that run script are used (htmx forms and searches, the
language switch, confirmations, the API docs)."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from tests.accounts.factories import PASSWORD, make_team, make_user
from tests.customers.factories import make_customer
from vinculo.accounts.models import Team
from vinculo.timeline.models import Interaction

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(
    e.violatedDirective + " " + e.blockedURI + " at " + e.sourceFile + ":" + e.lineNumber
  );
});
"""


class Watcher:
    """Collects CSP violations (DOM events and Chromium's console reports) of one page."""

    def __init__(self, page) -> None:
        self.page = page
        self.console: list[str] = []
        page.add_init_script(WATCH)
        page.on("console", self._console)

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text or message.type == "error":
            self.console.append(message.text)

    def goto(self, url: str):
        response = self.page.goto(url)
        assert response.headers.get("content-security-policy") == settings.CONTENT_SECURITY_POLICY
        return response

    def assert_clean(self) -> None:
        violations = self.page.evaluate("window.__csp || []")
        assert violations == [] and self.console == []


def test_main_pages_run_under_the_policy(page, live_server):
    admin = make_user("administrator", username="ana", first_name="Ana")
    make_customer(admin, name="Acme Ltda", kind="organization")
    customer = make_customer(admin, name="João Araújo")
    doomed = make_team("Equipe temporária")
    base = live_server.url
    watch = Watcher(page)

    watch.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "ana")
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/")  # Today
    watch.assert_clean()

    # Global search dropdown (htmx).
    page.fill("#global-search", "joao")
    page.locator("#search-results a", has_text="João Araújo").first.wait_for()
    watch.assert_clean()

    # The 360 page and its quick log form (htmx, no reload).
    watch.goto(f"{base}/customers/{customer.pk}/")
    call = page.locator("#quicklog-call")
    call.locator("[name=subject]").fill("Conversa sob CSP")
    url_before = page.url
    call.locator("button[type=submit]").click()
    page.locator("#timeline").get_by_text("Conversa sob CSP").wait_for()
    assert page.url == url_before
    assert Interaction.objects.filter(customer=customer, subject="Conversa sob CSP").exists()
    watch.assert_clean()

    # Search-fed choosers (htmx): a person's organization, a task's customer.
    watch.goto(f"{base}/customers/new/")
    page.fill("#id_organization_q", "Acme")
    page.locator("#organization-options", has_text="Acme Ltda").wait_for()
    watch.goto(f"{base}/tasks/new/")
    page.fill("#id_customer_q", "Araujo")
    page.locator("#customer-options", has_text="João Araújo").wait_for()
    watch.assert_clean()

    # A new token's secret is selected on focus (was onfocus=).
    watch.goto(f"{base}/accounts/profile/")
    page.fill("#id_name", "script")
    page.locator("form[action$='/profile/tokens/'] button[type=submit]").click()
    secret = page.locator("#new-token-secret")
    secret.focus()
    assert page.evaluate(
        "(() => { const e = document.getElementById('new-token-secret');"
        " return e.selectionStart === 0 && e.selectionEnd === e.value.length"
        " && e.value.length > 20; })()"
    )
    watch.assert_clean()

    # Confirmation before deleting (was onsubmit=): dismissed keeps, accepted deletes.
    watch.goto(f"{base}/accounts/settings/teams/{doomed.pk}/")
    delete = page.locator("form[action$='/delete/'] button[type=submit]")
    page.once("dialog", lambda dialog: dialog.dismiss())
    delete.click()
    page.wait_for_timeout(300)
    assert Team.objects.filter(pk=doomed.pk).exists()
    page.once("dialog", lambda dialog: dialog.accept())
    delete.click()
    page.wait_for_url(re.compile(r"/settings/teams/$"))
    assert not Team.objects.filter(pk=doomed.pk).exists()
    watch.assert_clean()

    # The language switch submits on change (was onchange=).
    page.select_option("#language-select", "es")
    page.wait_for_function("document.documentElement.lang === 'es'")
    watch.assert_clean()

    # The API's interactive docs (Swagger UI, served locally).
    watch.goto(f"{base}/api/v1/docs")
    page.locator(".swagger-ui .info .title").wait_for()
    watch.assert_clean()
