"""Which rows a delete announces besides its record (core.persistence.cascade_events), on a
small graph of models of its own: the shapes the product's models have only some of today
(a relation that only clears a key, a one-to-one extension keyed by its parent, a record
kept out of events, a loop back to a model already on the way, a chain deeper than
CASCADE_DEPTH, a one-to-one record of its own)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, models, transaction
from django.db.models.query import QuerySet

from vinculo.core import persistence
from vinculo.core.models import OutboxEvent, VersionedModel


def _meta(table: str) -> type:
    # Models of an installed app (so relations resolve); their tables exist only while this
    # module runs (no migration: see graph_tables). They point only at each other, so no
    # model of the product learns a relation to a table that is not there.
    return type("Meta", (), {"app_label": "core", "db_table": f"test_cascade_{table}"})


class CascadeRoot(VersionedModel):
    """The record that is deleted."""

    name = models.CharField(max_length=20)
    Meta = _meta("root")


class CascadeNote(models.Model):
    """Only loses its key when the root goes (SET_NULL): not deleted, no event."""

    root = models.ForeignKey(CascadeRoot, null=True, on_delete=models.SET_NULL)
    Meta = _meta("note")


class CascadeExtension(models.Model):
    """Keyed by the root itself (like the search row): part of the root, no event."""

    root = models.OneToOneField(CascadeRoot, primary_key=True, on_delete=models.CASCADE)
    Meta = _meta("extension")


class CascadeBookkeeping(models.Model):
    """Deleted with the root but not a record anyone hears of."""

    emits_events = False
    root = models.ForeignKey(CascadeRoot, on_delete=models.CASCADE)
    Meta = _meta("bookkeeping")


class CascadeBranch(VersionedModel):
    """A versioned child that may hang under another branch of the same root: the relation
    back to its own model is a loop, followed once."""

    root = models.ForeignKey(CascadeRoot, on_delete=models.CASCADE)
    parent = models.ForeignKey("self", null=True, on_delete=models.CASCADE)
    Meta = _meta("branch")


class CascadeLeaf(models.Model):
    """A branch's child (read after the branch's loop back to itself)."""

    branch = models.ForeignKey(CascadeBranch, on_delete=models.CASCADE)
    Meta = _meta("leaf")


class CascadeProfile(models.Model):
    """A one-to-one record with a key of its own: a record, so it has its event."""

    root = models.OneToOneField(CascadeRoot, on_delete=models.CASCADE)
    Meta = _meta("profile")


def _level(n: int, parent: type[models.Model]) -> type[models.Model]:
    attrs: dict[str, Any] = {
        "__module__": __name__,
        "__doc__": f"Level {n} of a chain under the root.",
        "up": models.ForeignKey(parent, on_delete=models.CASCADE),
        "Meta": _meta(f"level{n}"),
    }
    return type(f"CascadeLevel{n}", (models.Model,), attrs)


# A chain one level deeper than the events follow: root → level1 → … → level(DEPTH + 1).
LEVELS: list[type[models.Model]] = []
for _n in range(1, persistence.CASCADE_DEPTH + 2):
    LEVELS.append(_level(_n, LEVELS[-1] if LEVELS else CascadeRoot))

MODELS = [
    CascadeRoot,
    CascadeNote,
    CascadeExtension,
    CascadeBookkeeping,
    CascadeBranch,
    CascadeLeaf,
    CascadeProfile,
    *LEVELS,
]


@pytest.fixture(scope="module")
def graph_tables(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with connection.schema_editor() as editor:
            for model in MODELS:
                editor.create_model(model)
        yield
        with connection.schema_editor() as editor:
            for model in reversed(MODELS):
                editor.delete_model(model)


@pytest.fixture
def graph(graph_tables, db) -> dict[str, Any]:
    root = CascadeRoot.objects.create(name="root")
    other = CascadeRoot.objects.create(name="other")
    trunk = CascadeBranch.objects.create(root=root)
    twig = CascadeBranch.objects.create(root=root, parent=trunk)
    CascadeBranch.objects.filter(pk=twig.pk).update(version=3)
    chain: list[models.Model] = []
    for level in LEVELS:
        chain.append(level.objects.create(up=chain[-1] if chain else root))
    rows = {
        "root": CascadeRoot.objects.get(pk=root.pk),
        "other": other,
        "note": CascadeNote.objects.create(root=root),
        "extension": CascadeExtension.objects.create(root=root),
        "bookkeeping": CascadeBookkeeping.objects.create(root=root),
        "trunk": trunk,
        "twig": twig,
        "leaves": [CascadeLeaf.objects.create(branch=b) for b in (trunk, twig, trunk)],
        "profile": CascadeProfile.objects.create(root=root),
        "chain": chain,
        "elsewhere": CascadeBranch.objects.create(root=other),  # another root's: stays
    }
    OutboxEvent.objects.all().delete()
    return rows


def delete_root(graph: dict[str, Any], actor: Any) -> list[OutboxEvent]:
    root = graph["root"]
    with transaction.atomic():
        persistence.delete(root, actor=actor, expected_version=root.version)
    return list(OutboxEvent.objects.order_by("id"))


def test_every_record_deleted_with_the_root_is_announced_once(graph):
    found = delete_root(graph, actor=None)
    assert found[0].name == "cascaderoot.deleted"
    announced = sorted((e.name, e.payload["id"]) for e in found[1:])
    expected = [
        ("cascadebranch.deleted", graph["trunk"].pk),
        ("cascadebranch.deleted", graph["twig"].pk),
        *(("cascadeleaf.deleted", leaf.pk) for leaf in graph["leaves"]),
        ("cascadeprofile.deleted", graph["profile"].pk),
        *((f"cascadelevel{n}.deleted", row.pk) for n, row in enumerate(graph["chain"], 1)),
    ][:-1]  # the last level is one deeper than CASCADE_DEPTH (below)
    assert announced == sorted(expected)
    # The database deleted all of it all the same, and left the rest alone.
    assert not CascadeBookkeeping.objects.exists() and not CascadeExtension.objects.exists()
    assert not LEVELS[-1].objects.exists()
    assert CascadeNote.objects.get().root_id is None
    assert list(CascadeBranch.objects.values_list("pk", flat=True)) == [graph["elsewhere"].pk]


def test_relations_are_followed_cascade_depth_levels_below_the_record(graph):
    found = delete_root(graph, actor=None)
    levels = {e.name for e in found if e.name.startswith("cascadelevel")}
    depth = persistence.CASCADE_DEPTH
    assert levels == {f"cascadelevel{n}.deleted" for n in range(1, depth + 1)}
    assert f"cascadelevel{depth + 1}.deleted" not in levels


def test_cascade_events_name_the_record_its_root_and_the_actor(graph, admin):
    found = delete_root(graph, actor=admin)
    root = graph["root"]
    twig = next(
        e
        for e in found
        if e.name == "cascadebranch.deleted" and e.payload["id"] == graph["twig"].pk
    )
    assert twig.aggregate == "core.cascadebranch"
    assert twig.aggregate_id == str(graph["twig"].pk)
    assert twig.payload == {
        "id": graph["twig"].pk,
        "version": 3,  # versioned records say which version went
        "deleted_with": {"model": "core.cascaderoot", "id": root.pk},
    }
    leaf = next(e for e in found if e.name == "cascadeleaf.deleted")
    assert leaf.aggregate == "core.cascadeleaf" and leaf.aggregate_id == str(leaf.payload["id"])
    assert "version" not in leaf.payload
    assert {e.actor_id for e in found} == {admin.pk}


def test_a_delete_by_the_system_has_no_actor(graph):
    found = delete_root(graph, actor=None)
    assert len(found) > 1 and {e.actor_id for e in found} == {None}


def test_cascaded_rows_are_read_a_chunk_at_a_time(graph, monkeypatch):
    sizes: list[int | None] = []
    real = QuerySet.iterator

    def spy(self: QuerySet[Any], chunk_size: int | None = None) -> Any:
        sizes.append(chunk_size)
        return real(self, chunk_size)

    monkeypatch.setattr(QuerySet, "iterator", spy)
    monkeypatch.setattr(persistence, "CASCADE_CHUNK", 2)
    found = delete_root(graph, actor=None)
    assert sum(1 for e in found if e.name == "cascadeleaf.deleted") == 3
    assert sizes and set(sizes) == {2}
