"""The event deliveries page in Chromium: a row's Discard button asks first (a confirmation
declared on the button, run by app.js under the page's Content-Security-Policy)."""

from __future__ import annotations

import pytest

from tests.accounts.factories import PASSWORD, make_user
from tests.browser.test_csp import Watcher
from tests.customers.factories import make_customer
from vinculo.core import events, jobs
from vinculo.core.models import OutboxDelivery

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_discarding_a_row_asks_first(page, live_server, monkeypatch):
    monkeypatch.setattr(jobs, "MAX_ATTEMPTS", 1)

    def broken(event):
        raise RuntimeError("downstream refused")

    key = events.register_consumer("customer.created", broken, key="browser.broken")
    try:
        admin = make_user("administrator", username="ana")
        make_customer(admin, name="Ana")
        make_customer(admin, name="Bia")
        jobs.dispatch_pending()
    finally:
        events.unregister_consumer(key)
    first, second = OutboxDelivery.objects.order_by("id")
    base = live_server.url
    watch = Watcher(page)
    watch.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "ana")
    page.fill("#id_password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/")

    watch.goto(f"{base}/accounts/settings/outbox/")
    discard = page.locator(f"#delivery-{first.pk} button.danger")
    page.once("dialog", lambda dialog: dialog.dismiss())
    discard.click()
    page.wait_for_timeout(300)
    assert OutboxDelivery.objects.filter(pk=first.pk).exists()
    page.once("dialog", lambda dialog: dialog.accept())
    discard.click()
    page.locator(f"#delivery-{second.pk}").wait_for()
    assert page.locator(f"#delivery-{first.pk}").count() == 0
    assert list(OutboxDelivery.objects.values_list("pk", flat=True)) == [second.pk]
    # Retry asks nothing.
    page.locator(f"#delivery-{second.pk} button:not(.danger)").click()
    page.locator(".messages").wait_for()
    assert OutboxDelivery.objects.get(pk=second.pk).status == "retry"
    watch.assert_clean()
