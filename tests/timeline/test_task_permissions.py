"""Who may see, create, change and delete tasks (Task.access), through the service, the
API and the pages alike: an owner, a teammate and an outsider, and the roles that may
write nothing."""

from __future__ import annotations

import pytest

from tests.accounts.factories import make_team, make_token, make_user
from tests.customers.factories import make_customer
from tests.timeline.factories import make_task
from vinculo.accounts.models import Role
from vinculo.core.errors import NotAllowed, ValidationFailed
from vinculo.timeline.models import Task
from vinculo.timeline.services import (
    TaskData,
    create_task,
    delete_task,
    set_task_done,
    update_task,
)

URL = "/api/v1/tasks"
WRITE_NOTHING = ["read_only", "analyst", "marketing"]


def auth(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {make_token(user)}"}


def demote(user, role: str) -> None:
    """The user's role changes to one that may write nothing (records they made remain)."""
    user.role = Role.objects.get(code=role)
    user.save()


# --- roles that may write nothing -------------------------------------------------------


@pytest.mark.parametrize("role", WRITE_NOTHING)
def test_roles_that_write_nothing_create_no_tasks(client, owner, role):
    user = make_user(role, team=owner.teams.first())
    with pytest.raises(NotAllowed):
        create_task(actor=user, data=TaskData(title="Mine"))
    with pytest.raises(NotAllowed):
        create_task(actor=user, data=TaskData(title="Yours", assignee_id=owner.pk))
    response = client.post(
        URL, {"title": "Yours", "assignee": owner.pk}, content_type="application/json", **auth(user)
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    client.force_login(user)
    assert client.get("/tasks/new/").status_code == 403
    assert client.post("/tasks/new/", {"title": "x", "priority": "normal"}).status_code == 403
    assert not Task.objects.exists()


@pytest.mark.parametrize("role", WRITE_NOTHING)
def test_pages_offer_no_new_task_to_roles_that_write_nothing(client, owner, role):
    customer = make_customer(owner, name="Ana")
    user = make_user(role, team=owner.teams.first())
    client.force_login(user)
    mine = client.get("/tasks/").content.decode()
    assert 'href="/tasks/new/"' not in mine
    detail = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "task-new" not in detail and "New task" not in detail
    client.force_login(owner)
    assert 'href="/tasks/new/"' in client.get("/tasks/").content.decode()
    assert "New task" in client.get(f"/customers/{customer.pk}/").content.decode()


@pytest.mark.parametrize("role", WRITE_NOTHING)
def test_roles_that_write_nothing_change_no_task_they_created(client, owner, role):
    """A sales rep creates tasks, then becomes read-only: the tasks stay visible to them,
    but they may neither edit, complete nor delete them any more."""
    own = make_task(owner, title="Own")
    given = make_task(owner, title="Given", assignee_id=owner.pk)
    demote(owner, role)
    for task in (own, given):
        fresh = Task.objects.get(pk=task.pk)
        with pytest.raises(NotAllowed):
            update_task(actor=owner, task=fresh, data=TaskData(title="x"), expected_version=1)
        with pytest.raises(NotAllowed):
            set_task_done(actor=owner, task=fresh, done=True, expected_version=1)
        with pytest.raises(NotAllowed):
            delete_task(actor=owner, task=fresh, expected_version=1)
    h = auth(owner)
    assert client.get(f"{URL}/{own.pk}", **h).status_code == 200
    patch = client.patch(
        f"{URL}/{own.pk}", {"title": "x"}, content_type="application/json", HTTP_IF_MATCH='"1"', **h
    )
    assert patch.status_code == 403
    assert client.delete(f"{URL}/{own.pk}", HTTP_IF_MATCH='"1"', **h).status_code == 403
    assert client.post(f"{URL}/{own.pk}/done", HTTP_IF_MATCH='"1"', **h).status_code == 403
    client.force_login(owner)
    assert client.get(f"/tasks/{own.pk}/edit/").status_code == 403
    assert client.post(f"/tasks/{own.pk}/done/", {"done": "1", "version": "1"}).status_code == 403
    assert Task.objects.get(pk=own.pk).title == "Own" and Task.objects.get(pk=own.pk).version == 1


# --- owner, teammate, outsider ----------------------------------------------------------


def test_owner_teammate_outsider(owner, teammate, outsider):
    """Sales: reads the team's tasks, changes its own and the ones it created."""
    task = make_task(owner, title="Call Ana")
    for user, sees, changes in (
        (owner, True, True),
        (teammate, True, False),
        (outsider, False, False),
    ):
        assert Task.objects.visible_to(user).filter(pk=task.pk).exists() is sees
        assert Task.objects.editable_by(user).filter(pk=task.pk).exists() is changes
        assert Task.objects.restrict(user, "delete").filter(pk=task.pk).exists() is changes
    with pytest.raises(NotAllowed):
        update_task(actor=teammate, task=task, data=TaskData(title="x"), expected_version=1)
    with pytest.raises(NotAllowed):
        delete_task(actor=outsider, task=task, expected_version=1)


def test_task_given_to_a_teammate_stays_the_creators_to_change(owner, teammate, outsider):
    given = make_task(owner, title="For you", assignee_id=teammate.pk)
    update_task(actor=owner, task=given, data=TaskData(notes="Soon"), expected_version=1)
    set_task_done(actor=teammate, task=Task.objects.get(pk=given.pk), done=True, expected_version=2)
    assert Task.objects.get(pk=given.pk).is_done


def test_tasks_go_only_to_people_the_creator_reads(owner, teammate, outsider):
    make_task(owner, title="For teammate", assignee_id=teammate.pk)
    with pytest.raises(ValidationFailed) as refused:
        create_task(actor=owner, data=TaskData(title="For outsider", assignee_id=outsider.pk))
    assert "assignee" in refused.value.errors
    admin = make_user("administrator")
    assert make_task(admin, title="Anyone", assignee_id=outsider.pk).assignee_id == outsider.pk


# --- read scope "all" sees everyone's tasks ----------------------------------------------


@pytest.mark.parametrize("role", ["administrator", "service", "marketing", "analyst"])
def test_read_all_roles_see_everyones_tasks(client, owner, teammate, outsider, role):
    """`Q() | Q(created_by=…)` collapsed to "created by me": administrators saw 0 tasks."""
    tasks = [
        make_task(owner, title="a"),
        make_task(teammate, title="b"),
        make_task(outsider, title="c"),
    ]
    done = make_task(outsider, title="d")
    set_task_done(actor=outsider, task=done, done=True, expected_version=1)
    reader = make_user(role, team=make_team())
    listed = client.get(URL, {"status": "all", "limit": 100}, **auth(reader))
    assert listed.status_code == 200
    assert sorted(t["id"] for t in listed.json()["items"]) == sorted(
        [t.pk for t in tasks] + [done.pk]
    )
    assert client.get(f"{URL}/{tasks[2].pk}", **auth(reader)).status_code == 200


def test_manager_sees_the_team_not_the_outsider(client, team, owner, teammate, outsider):
    mine = make_task(owner, title="a")
    theirs = make_task(teammate, title="b")
    make_task(outsider, title="c")
    manager = make_user("manager", team=team)
    listed = client.get(URL, {"status": "all"}, **auth(manager))
    assert sorted(t["id"] for t in listed.json()["items"]) == sorted([mine.pk, theirs.pk])
    assert Task.objects.editable_by(manager).count() == 2
