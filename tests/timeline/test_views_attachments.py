"""Attachment downloads: only for users who can see the interaction's customer."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.accounts.factories import make_user
from tests.customers.factories import make_customer
from tests.timeline.factories import make_interaction
from vinculo.timeline.services import FileIn


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def attachment(owner):
    customer = make_customer(owner, name="Ana")
    interaction = make_interaction(
        owner,
        customer,
        channel="email",
        files=[
            FileIn(name="report <1>.html", content=b"<script>x</script>", content_type="text/html")
        ],
    )
    return interaction.attachments.get()


def download(response) -> bytes:
    return b"".join(response.streaming_content)


def test_anonymous_is_sent_to_login(client, attachment):
    response = client.get(f"/attachments/{attachment.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_owner_downloads_it_as_an_attachment(client, owner, attachment):
    client.force_login(owner)
    response = client.get(f"/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "report" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert download(response) == b"<script>x</script>"


def test_upload_through_the_page_then_download(client, owner, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    customer = make_customer(owner, name="Ana")
    client.force_login(owner)
    client.post(
        f"/customers/{customer.pk}/log/",
        {
            "channel": "letter",
            "direction": "in",
            "subject": "Scan",
            "attachments": SimpleUploadedFile(
                "scan.png", b"\x89PNG fake", content_type="image/png"
            ),
        },
    )
    html = client.get(f"/customers/{customer.pk}/").content.decode()
    link = html[html.index('href="/attachments/') + 6 :]
    link = link[: link.index('"')]
    response = client.get(link)
    assert response.status_code == 200 and download(response) == b"\x89PNG fake"
    assert 'filename="scan.png"' in response["Content-Disposition"]


def test_teammate_and_service_may_download(client, attachment, teammate):
    for user in [teammate, make_user("service")]:
        client.force_login(user)
        assert client.get(f"/attachments/{attachment.pk}/").status_code == 200


def test_outsider_and_unknown_ids_get_404(client, attachment, outsider):
    client.force_login(outsider)
    assert client.get(f"/attachments/{attachment.pk}/").status_code == 404
    assert client.get("/attachments/999999/").status_code == 404


def test_missing_file_on_disk_is_404(client, owner, attachment):
    attachment.file.delete(save=False)
    client.force_login(owner)
    assert client.get(f"/attachments/{attachment.pk}/").status_code == 404
