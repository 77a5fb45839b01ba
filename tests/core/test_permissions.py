"""Record visibility per role: the defaults of ARCHITECTURE.md, applied in one place.

Every check here has an owner, a teammate and an outsider; the queryset (`restrict`) and
the object check (`can`) are asked the same questions and must give the same answers."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q

from tests.accounts.factories import make_team, make_user
from tests.customers.factories import make_customer
from tests.timeline.factories import make_interaction, make_task
from vinculo.accounts.models import Role, Team
from vinculo.core.errors import NotAllowed
from vinculo.core.permissions import (
    Access,
    AllOf,
    Always,
    AnyOf,
    Capability,
    Creator,
    Never,
    Owner,
    Scope,
    Via,
    Writes,
    access_of,
    can,
    can_create,
    is_active_user,
    owner_ids,
    owner_in_scope,
    require,
    require_capability,
    require_create,
    restrict,
)
from vinculo.customers.models import Customer
from vinculo.timeline.models import Interaction, InteractionLink, Task


@pytest.fixture
def record(owner):
    return make_customer(owner, name="Ana")


def _unowned(admin) -> Customer:
    """A customer whose owner was cleared (owner left, records not handed over yet)."""
    customer = make_customer(admin, name="Nobody's")
    Customer.objects.filter(pk=customer.pk).update(owner=None)
    return Customer.objects.get(pk=customer.pk)


def custom_role(code: str, read: str, write: str, **capabilities: bool) -> Role:
    return Role.objects.create(
        code=code, name=code, read_scope=read, write_scope=write, **capabilities
    )


def user_with(role: Role, team: Team | None = None, **extra):
    user = make_user("sales", team=team, **extra)
    user.role = role
    user.save()
    return user


@pytest.mark.parametrize(
    "role,same_team,sees,changes,logs",
    [
        ("administrator", False, True, True, True),
        ("manager", True, True, True, True),
        ("manager", False, False, False, False),
        ("sales", True, True, False, False),
        ("sales", False, False, False, False),
        ("service", False, True, False, True),
        ("marketing", False, True, False, False),
        ("analyst", False, True, False, False),
        ("read_only", True, True, False, False),
        ("read_only", False, False, False, False),
    ],
)
def test_default_roles(record, team, role, same_team, sees, changes, logs):
    user = make_user(role, team=team if same_team else make_team())
    assert Customer.objects.visible_to(user).filter(pk=record.pk).exists() is sees
    assert Customer.objects.editable_by(user).filter(pk=record.pk).exists() is changes
    assert Customer.objects.restrict(user, "log").filter(pk=record.pk).exists() is logs
    assert can(user, "view", record) is sees
    assert can(user, "change", record) is changes
    assert can(user, "delete", record) is changes
    assert can(user, "log", record) is logs


def test_owner_teammate_outsider_on_a_sales_record(record, owner, teammate, outsider):
    """Sales reads its team and writes its own: the owner does everything, the teammate
    only reads, the outsider nothing."""
    for action, who in {
        "view": {owner, teammate},
        "change": {owner},
        "delete": {owner},
        "log": {owner},
        "reassign": set(),
    }.items():
        for user in (owner, teammate, outsider):
            allowed = user in who
            assert can(user, action, record) is allowed, (action, user)
            found = Customer.objects.restrict(user, action).filter(pk=record.pk).exists()
            assert found is allowed, (action, user)


def test_unowned_customers_are_seen_and_changed_by_all_scopes_only(team, owner, admin):
    """A customer without owner belongs to no one's team: only "all" scopes reach it."""
    unowned = _unowned(admin)
    manager = make_user("manager", team=team)
    reader = make_user("read_only", team=team)
    service = make_user("service", team=team)
    mine = custom_role("mine", Scope.OWN, Scope.OWN)
    own_user = user_with(mine, team)
    for user in (owner, manager, reader, own_user):
        assert not can(user, "view", unowned)
        assert not Customer.objects.visible_to(user).filter(pk=unowned.pk).exists()
    for user in (owner, manager, service, own_user):
        assert not can(user, "change", unowned)
        assert not can(user, "delete", unowned)
        assert not Customer.objects.editable_by(user).filter(pk=unowned.pk).exists()
    # Service reads all (and logs on what it reads), administrators do everything.
    assert can(service, "view", unowned) and can(service, "log", unowned)
    for action in ("view", "change", "delete", "log", "reassign"):
        assert can(admin, action, unowned)
        assert Customer.objects.restrict(admin, action).filter(pk=unowned.pk).exists()


def test_own_scope_reaches_only_the_users_own_records(team, owner, teammate):
    """A role reading and writing "own": the teammate's record is out of reach, in the
    queryset and in the object check alike."""
    mine = custom_role("mine", Scope.OWN, Scope.OWN)
    user = user_with(mine, team)
    own = make_customer(user, name="Own")
    theirs = make_customer(teammate, name="Teammate's")
    visible = set(Customer.objects.visible_to(user).values_list("pk", flat=True))
    editable = set(Customer.objects.editable_by(user).values_list("pk", flat=True))
    assert visible == editable == {own.pk}
    assert can(user, "view", own) and can(user, "change", own)
    assert not can(user, "view", theirs) and not can(user, "change", theirs)
    assert owner_ids(user, Customer, "view") == {user.pk}


def test_editable_by_follows_the_write_scope(team, owner, teammate, outsider):
    """Managers write their team's records, sales only their own, read-only nothing."""
    records = {u.username: make_customer(u, name=u.username) for u in (owner, teammate, outsider)}
    manager = make_user("manager", team=team)
    reader = make_user("read_only", team=team)
    expected = {
        manager: {records["owner"].pk, records["teammate"].pk},
        owner: {records["owner"].pk},
        teammate: {records["teammate"].pk},
        outsider: {records["outsider"].pk},
        reader: set(),
    }
    for user, pks in expected.items():
        assert set(Customer.objects.editable_by(user).values_list("pk", flat=True)) == pks


def test_restrict_and_can_agree_for_every_role_record_and_action(team, owner, teammate, outsider):
    """The queryset and the object check read one rule: they can never disagree."""
    admin = make_user("administrator")
    customers = [make_customer(u, name=u.username) for u in (owner, teammate, outsider)]
    customers.append(_unowned(admin))
    tasks = [
        make_task(owner, title="own"),
        make_task(owner, title="given", assignee_id=teammate.pk),
        make_task(outsider, title="far"),
        make_task(admin, title="admin's for outsider", assignee_id=outsider.pk),
    ]
    interactions = [make_interaction(admin, c) for c in customers]
    interactions.append(make_interaction(owner, customers[0]))
    users = [owner, teammate, outsider, admin]
    users += [make_user(r, team=team) for r in ("manager", "read_only", "service")]
    users += [make_user(r) for r in ("marketing", "analyst")]
    users.append(user_with(custom_role("mine", Scope.OWN, Scope.OWN), team))
    for model, rows in ((Customer, customers), (Task, tasks), (Interaction, interactions)):
        for user in users:
            for action in ("view", "add", "change", "delete", "log", "reassign"):
                by_query = set(
                    restrict(model.objects.all(), user, action).values_list("pk", flat=True)
                )
                by_object = {r.pk for r in model.objects.all() if can(user, action, r)}
                assert by_query == by_object, (model.__name__, user.role_code, action)
                assert {r.pk for r in rows} >= by_query


@pytest.mark.parametrize(
    "role,expected",
    [
        ("administrator", True),
        ("manager", True),
        ("sales", True),
        ("service", True),
        ("marketing", False),
        ("analyst", False),
        ("read_only", False),
    ],
)
def test_create_is_a_permission_too(db, role, expected):
    user = make_user(role)
    assert can_create(user, Customer) is expected
    assert can_create(user, Task) is expected
    if expected:
        require_create(user, Customer)
    else:
        with pytest.raises(NotAllowed):
            require_create(user, Task)


def test_owner_ids_per_scope(team, owner, teammate, outsider, admin):
    """The owner pre-filter search uses: None means any owner (and none)."""
    assert owner_ids(admin, Customer, "view") is None
    assert owner_ids(owner, Customer, "view") == {owner.pk, teammate.pk}
    assert owner_ids(owner, Customer, "change") == {owner.pk}
    assert owner_ids(owner, Customer, "reassign") == frozenset()
    manager = make_user("manager", team=team)
    assert owner_ids(manager, Customer, "reassign") == {owner.pk, teammate.pk, manager.pk}
    assert owner_ids(make_user("read_only", team=team), Customer, "change") == frozenset()
    assert owner_ids(AnonymousUser(), Customer, "view") == frozenset()
    # A rule that also looks at something else than the owner cannot narrow by owner.
    assert owner_ids(owner, Task, "view") is None
    assert owner_ids(owner, Interaction, "view") is None


def test_inactive_and_anonymous_may_do_nothing(record, owner):
    owner.is_active = False
    anonymous = AnonymousUser()
    for user in (owner, anonymous, None):
        assert not can(user, "view", record)
        assert not can_create(user, Customer)
        assert not restrict(Customer.objects.all(), user, "view").exists()
        assert not Customer.objects.visible_to(user).exists()
        with pytest.raises(NotAllowed):
            require(user, "view", record)
        with pytest.raises(NotAllowed):
            require_capability(user, "can_manage_settings")


def test_require_passes_when_allowed(record, owner, teammate, admin):
    require(owner, "change", record)
    with pytest.raises(NotAllowed):
        require(teammate, "change", record)
    require_capability(admin, "can_manage_settings")
    with pytest.raises(NotAllowed):
        require_capability(owner, "can_manage_settings")


def test_records_without_rules_are_refused(record, owner, admin):
    """An object with no `access` is never allowed; querying such a model is a bug."""
    assert not can(admin, "view", owner)  # a User has no access rules
    assert not can(admin, "view", object())
    assert not can_create(admin, Team)
    with pytest.raises(ImproperlyConfigured, match="Team.*declares no `access` rules"):
        restrict(Team.objects.all(), admin, "view")
    with pytest.raises(ImproperlyConfigured):
        owner_ids(admin, Team, "view")
    # Actions a model does not name are refused, for everyone.
    assert not can(admin, "launch", record)
    assert not Customer.objects.restrict(admin, "launch").exists()


def test_role_scopes_are_editable(record, team):
    user = make_user("sales", team=make_team())
    user.role.read_scope = "all"
    user.role.save()
    assert Customer.objects.visible_to(user).filter(pk=record.pk).exists()


def test_owner_in_scope(owner, teammate, outsider):
    assert owner_in_scope(owner, Scope.ALL, None)
    assert not owner_in_scope(owner, Scope.TEAM, None)
    assert owner_in_scope(owner, Scope.TEAM, teammate.pk)
    assert not owner_in_scope(owner, Scope.TEAM, outsider.pk)
    assert owner_in_scope(owner, Scope.OWN, owner.pk)
    assert not owner_in_scope(owner, Scope.OWN, teammate.pk)
    assert not owner_in_scope(owner, Scope.NONE, owner.pk)
    assert not owner_in_scope(None, Scope.ALL, owner.pk)


# --- the rule algebra --------------------------------------------------------------------


def access() -> Access:
    acc = Access(owner="owner")
    acc.model = Customer
    return acc


def test_any_of_keeps_all_records_all(admin, owner):
    """`Q() | Q(x)` is `Q(x)`: "all" OR'd with anything must stay "all" (the bug that hid
    every task from administrators)."""
    rule = AnyOf(Owner("read"), Owner(Scope.OWN))
    assert rule.q(admin, access(), "") is True
    assert AnyOf(Never, Owner(Scope.OWN)).q(owner, access(), "") == Q(owner_id=owner.pk)
    assert AnyOf(Never, Never).q(owner, access(), "") is False
    assert AnyOf(Always, Never).q(owner, access(), "") is True
    both = AnyOf(Owner(Scope.OWN), Owner(Scope.OWN)).q(owner, access(), "")
    assert both == Q(owner_id=owner.pk) | Q(owner_id=owner.pk)


def test_all_of_simplifies(owner, teammate, admin):
    assert AllOf(Always, Always).q(owner, access(), "") is True
    assert AllOf(Always, Never).q(owner, access(), "") is False
    assert AllOf(Writes(), Owner(Scope.OWN)).q(owner, access(), "p__") == Q(p__owner_id=owner.pk)
    two = AllOf(Owner(Scope.OWN), Owner("read")).q(owner, access(), "")
    assert two == Q(owner_id=owner.pk) & Q(owner_id__in=sorted([owner.pk, teammate.pk]))
    assert AllOf(Capability("can_reassign"), Owner("read")).q(owner, access(), "") is False
    assert AllOf(Capability("can_reassign"), Owner("read")).q(admin, access(), "") is True


def test_rule_operators_and_possibility(owner, admin, db):
    either = Owner(Scope.NONE) | Capability("can_reassign")
    both = Writes() & Capability("can_reassign")
    assert isinstance(either, AnyOf) and isinstance(both, AllOf)
    assert not either.possible(owner, access()) and either.possible(admin, access())
    assert not both.possible(owner, access()) and both.possible(admin, access())
    assert AllOf().possible(owner, access()) and not AnyOf().possible(owner, access())
    assert AllOf(Owner(Scope.OWN), Owner(Scope.NONE)).owners(owner) == frozenset()
    assert AllOf(Always, Owner(Scope.OWN)).owners(owner) == {owner.pk}
    assert AnyOf(Owner(Scope.OWN), Never).owners(owner) == {owner.pk}
    assert AnyOf(Owner(Scope.OWN), Always).owners(owner) is None
    assert AllOf(Always, Always).owners(owner) is None
    assert Never.owners(owner) == frozenset() and not Never.possible(owner, access())
    assert AnyOf(Creator()).possible(owner, access()) and Creator().owners(owner) is None
    # Operators keep both sides.
    assert (Always | Never).q(owner, access(), "") is True
    assert (Never | Always).q(owner, access(), "") is True
    assert (Never & Always).q(owner, access(), "") is False
    assert (Always & Never).q(owner, access(), "") is False


def test_via_reads_the_related_records_rules(owner, teammate, outsider):
    """Via follows a foreign key to the rules of the model it points at."""
    customer = make_customer(owner, name="Ana")
    on_task = Access(owner="assignee", creator="created_by", view=Via("customer", "view"))
    on_task.model = Task
    rule = on_task.rule("view")
    with_customer = make_task(owner, title="with", customer=customer)
    without = make_task(owner, title="without")
    assert rule.check(teammate, on_task, with_customer)
    assert not rule.check(outsider, on_task, with_customer)
    assert not rule.check(owner, on_task, without)  # no customer: nothing to follow
    assert not rule.check(owner, on_task, object())  # no such field at all
    assert rule.q(owner, on_task, "") == Q(customer__owner_id__in=sorted([owner.pk, teammate.pk]))
    changes = Via("customer", "change")
    assert changes.possible(owner, on_task)
    assert not changes.possible(make_user("read_only"), on_task)
    assert rule.owners(owner) is None
    # Rules follow several keys: a link is seen by who may change its interaction.
    on_link = Access(view=Via("interaction", "change"))
    on_link.model = InteractionLink
    for rule in (on_link.rule("view"), AnyOf(on_link.rule("view")), AllOf(on_link.rule("view"))):
        assert rule.possible(owner, on_link)
        assert not rule.possible(make_user("read_only"), on_link)
    # Rules not declared on a model cannot follow keys.
    with pytest.raises(ImproperlyConfigured, match=r"^Via\(\) needs rules declared on a model$"):
        Via("customer", "view").q(owner, Access(), "")
    # Following a key to a model without rules is a configuration error, not "no access".
    to_user = Access(owner="assignee", view=Via("assignee", "view"))
    to_user.model = Task
    with pytest.raises(ImproperlyConfigured, match="declares no `access` rules"):
        to_user.rule("view").q(owner, to_user, "")
    with pytest.raises(ImproperlyConfigured):
        to_user.rule("view").possible(owner, to_user)


@pytest.mark.parametrize(
    "role,logs",
    [("sales", True), ("service", True), ("read_only", False), ("marketing", False)],
)
def test_adding_interactions_follows_logging_on_customers(db, role, logs):
    """Interaction "add" is Via("customer", "log"): can_create asks the customer's rule."""
    assert can_create(make_user(role), Interaction) is logs


def test_only_signed_in_active_users_count(owner):
    class Impostor:
        pk = owner.pk
        is_active = True

    class Anonymous(Impostor):
        is_authenticated = False

    for user in (Impostor(), Anonymous()):
        assert not is_active_user(user)
        assert not can(user, "view", make_customer(owner, name="Ana"))
    assert is_active_user(owner)


def test_access_binds_to_the_model_it_is_declared_on():
    class Thing:
        pass

    rules = Access(view=Always)
    assert rules.owner == "" and rules.creator == "" and rules.actions == ["view"]
    rules.contribute_to_class(Thing, "access")  # type: ignore[arg-type]
    assert rules.model is Thing and Thing.access is rules  # type: ignore[attr-defined]
    assert access_of(Thing) is rules and access_of(Thing()) is rules
    assert Customer.access.model is Customer and Task.access.model is Task
