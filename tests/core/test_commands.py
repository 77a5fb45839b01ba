from __future__ import annotations

import io
import json
import signal
import stat
import sys
import threading
import time

import phonenumbers
import pytest
from django.core.management import CommandError, call_command
from huey.contrib.djhuey import HUEY

from vinculo.accounts.models import User
from vinculo.core.jobs import acquire_lock
from vinculo.core.management.commands import serve
from vinculo.core.models import AuditEntry, JobLock
from vinculo.customers.models import ContactPoint, Customer
from vinculo.customers.normalize import normalize_tax_id


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    """Commands write password files into VINCULO_HOME: never the developer's own."""
    settings.VINCULO_HOME = tmp_path


def run(*args, **options) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=out, **options)
    return out.getvalue()


# --- createadmin -------------------------------------------------------------------------


def _stored(tmp_path) -> dict:
    return json.loads((tmp_path / "admin_password").read_text())


def test_createadmin_creates_an_active_administrator_with_a_private_password(db, tmp_path):
    output = run("createadmin", "--email", "root@example.com")

    user = User.objects.get(username="admin")
    stored = _stored(tmp_path)
    assert user.is_active and user.is_superuser and user.role.code == "administrator"
    assert user.email == "root@example.com" and user.is_administrator
    assert stored["username"] == "admin" and user.check_password(stored["password"])
    assert len(stored["password"]) >= 20
    assert stat.S_IMODE((tmp_path / "admin_password").stat().st_mode) == 0o600
    assert stored["password"] in output
    entry = AuditEntry.objects.get(model="accounts.user", object_id=str(user.pk))
    assert entry.action == "create" and "password" not in entry.changes


def test_createadmin_is_idempotent_and_print_shows_the_same_credentials(db, tmp_path):
    run("createadmin")
    first_hash = User.objects.get(username="admin").password
    password = _stored(tmp_path)["password"]

    output = run("createadmin", "--print")

    assert User.objects.get(username="admin").password == first_hash
    assert User.objects.filter(is_superuser=True).count() == 1
    assert "already exists" in output and password in output
    assert password not in run("createadmin")  # without --print nothing secret is shown


def test_createadmin_reset_gives_a_new_password_and_audits_only_a_mask(db, tmp_path):
    run("createadmin")
    old = _stored(tmp_path)["password"]
    user = User.objects.get(username="admin")
    User.objects.filter(pk=user.pk).update(is_active=False)  # locked out

    output = run("createadmin", "--reset")

    user.refresh_from_db()
    new = _stored(tmp_path)["password"]
    assert new != old and new in output
    assert user.check_password(new) and not user.check_password(old) and user.is_active
    update = AuditEntry.objects.filter(model="accounts.user", action="update").get()
    assert update.changes["password"] == ["********", "********"]
    assert old not in json.dumps(update.changes) and new not in json.dumps(update.changes)


def test_createadmin_print_says_when_the_stored_password_no_longer_works(db, tmp_path):
    run("createadmin")
    user = User.objects.get(username="admin")
    user.set_password("changed in the app 123")
    user.save()
    assert "--reset" in run("createadmin", "--print")
    (tmp_path / "admin_password").unlink()
    assert "not stored" in run("createadmin", "--print")


# --- demo --------------------------------------------------------------------------------


def _identity() -> list[tuple]:
    rows = []
    for c in Customer.objects.order_by("pk"):
        phones = sorted(c.contact_points.filter(kind="phone").values_list("value", flat=True))
        rows.append((c.name, c.tax_id, c.tax_id_type, tuple(phones)))
    return rows


def test_demo_is_deterministic_for_a_seed(db):
    run("demo", "--customers", "25", "--seed", "7")
    first = _identity()
    Customer.objects.all().delete()

    output = run("demo", "--customers", "25", "--seed", "7")

    assert _identity() == first and len(first) == 25
    assert "Demo password" in output and "gerente" in output
    Customer.objects.all().delete()
    run("demo", "--customers", "25", "--seed", "8")
    assert [r[0] for r in _identity()] != [r[0] for r in first]


def test_demo_tax_ids_and_phones_are_all_valid(db):
    run("demo", "--customers", "60", "--seed", "3")
    customers = list(Customer.objects.exclude(tax_id=""))
    assert len(customers) > 50
    for c in customers:
        assert normalize_tax_id(c.tax_id, c.tax_id_type) == (c.tax_id_type, c.tax_id)
        assert normalize_tax_id(c.tax_id)[0] == c.tax_id_type
    phones = list(ContactPoint.objects.filter(kind="phone").values_list("value", flat=True))
    assert len(phones) >= 60
    for value in phones:
        assert phonenumbers.is_valid_number(phonenumbers.parse(value, None)), value
    regions = {phonenumbers.region_code_for_number(phonenumbers.parse(v, None)) for v in phones}
    assert regions == {"BR", "PT", "ES"}


def test_demo_if_empty_leaves_existing_customers_alone(db):
    run("demo", "--customers", "5")
    count = Customer.objects.count()
    output = run("demo", "--if-empty")
    assert Customer.objects.count() == count and "already exist" in output


# --- serve and worker --------------------------------------------------------------------


def test_serve_runs_gunicorn_gthread_and_the_worker(monkeypatch):
    started = {}

    def fake_run(self, install_signals=True):
        started["children"] = self.children
        return 0

    monkeypatch.setattr(serve.Supervisor, "run", fake_run)
    output = run("serve", "--port", "9123", "--workers", "3", "--threads", "2")

    web, worker = started["children"]
    assert "http://127.0.0.1:9123/" in output
    assert web.argv[1:4] == ["-m", "gunicorn", "vinculo.wsgi:application"]
    args = web.argv
    assert args[args.index("--bind") + 1] == "127.0.0.1:9123"
    assert args[args.index("--worker-class") + 1] == "gthread"
    assert args[args.index("--workers") + 1] == "3" and args[args.index("--threads") + 1] == "2"
    assert worker.argv[-1] == "worker" and worker.graceful == signal.SIGINT


def test_serve_options(monkeypatch):
    monkeypatch.setattr(serve.Supervisor, "run", lambda self, install_signals=True: 0)
    output = run("serve", "--no-worker", "--host", "0.0.0.0")
    assert "http://127.0.0.1:8000/" in output and "not started" in output
    children = serve.children_for(
        {"host": "::", "port": 80, "workers": 1, "threads": 1, "worker": False}
    )
    assert [c.name for c in children] == ["web"] and "[::]:80" in children[0].argv
    with pytest.raises(CommandError):
        run("serve", "--port", "0")
    with pytest.raises(CommandError):
        run("serve", "--threads", "0")


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_supervisor_exits_with_the_failing_child_and_stops_the_other():
    children = [
        serve.Child("web", _python("import time; time.sleep(30)")),
        serve.Child("worker", _python("import sys, time; time.sleep(0.3); sys.exit(3)")),
    ]
    began = time.monotonic()
    code = serve.Supervisor(children, poll=0.05).run(install_signals=False)
    assert code == 3
    assert children[0].process.returncode == -signal.SIGTERM
    assert time.monotonic() - began < 10


def test_supervisor_stops_both_children_on_a_stop_request():
    children = [
        serve.Child("web", _python("import time; time.sleep(30)")),
        serve.Child("worker", _python("import time; time.sleep(30)"), graceful=signal.SIGINT),
    ]
    supervisor = serve.Supervisor(children, poll=0.05)
    threading.Timer(0.5, supervisor.request_stop).start()
    assert supervisor.run(install_signals=False) == 0
    assert all(c.process.returncode is not None for c in children)


@pytest.mark.jobs
def test_worker_starts_the_huey_consumer_with_vinculo_defaults(db, monkeypatch):
    seen = {}

    class FakeConsumer:
        def run(self):
            seen["ran"] = True

    def create_consumer(**config):
        seen.update(config)
        return FakeConsumer()

    monkeypatch.setattr(HUEY, "create_consumer", create_consumer)
    # A lock left behind by a consumer killed with kill -9.
    acquire_lock("outbox-dispatch", ttl_seconds=3600)
    run("worker")
    assert seen["ran"] and seen["workers"] == 2 and seen["worker_type"] == "thread"
    assert seen["periodic"] is True and seen["flush_locks"] is True
    assert not JobLock.objects.exists()
    run("worker", "--workers", "4", "--no-periodic")
    assert seen["workers"] == 4 and seen["periodic"] is False
