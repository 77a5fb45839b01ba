"""Pages that correct or remove a logged interaction, with its audit history."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from vinculo.core.edit_page import Stale, versioned_edit
from vinculo.core.errors import NotAllowed, StaleVersion
from vinculo.core.history import history_rows
from vinculo.core.permissions import can, restrict
from vinculo.timeline import services
from vinculo.timeline.forms import InteractionEditForm, VersionForm, interaction_initial
from vinculo.timeline.models import Interaction


def _visible_interaction(user: Any, pk: int) -> Interaction | None:
    """The interaction with its customer (which its permissions need), if `user` reads it."""
    return (
        restrict(Interaction.objects.all(), user, "view")
        .select_related("customer", "created_by")
        .filter(pk=pk)
        .first()
    )


def _interaction_or_404(user: Any, pk: int) -> Interaction:
    interaction = _visible_interaction(user, pk)
    if interaction is None:
        raise Http404
    return interaction


def _entry_url(interaction: Interaction) -> str:
    return reverse("customers:detail", args=[interaction.customer_id]) + (
        f"#interaction-{interaction.pk}"
    )


def _gone(request: HttpRequest, customer_id: int) -> HttpResponse:
    """A stale save or delete found the interaction deleted by someone else meanwhile."""
    messages.error(request, _("This interaction was deleted by someone else."))
    return redirect(reverse("customers:detail", args=[customer_id]) + "#timeline")


def history_labels() -> dict[str, str]:
    """Names of the related rows the timeline services audit beside the model's fields."""
    return {"attachments": _("Attachments")}


def _interaction_page(
    request: HttpRequest,
    form: InteractionEditForm,
    interaction: Interaction,
    *,
    status: int = 200,
    stale: Stale | None = None,
) -> HttpResponse:
    user: Any = request.user
    context = {
        "nav": "customers",
        "customer": interaction.customer,
        "interaction": interaction,
        "form": form,
        "attachments": list(interaction.attachments.all()),
        "can_delete": can(user, "delete", interaction),
        "history": history_rows(interaction, user, extra_labels=history_labels()),
        "stale": stale,
    }
    return render(request, "timeline/interaction_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def interaction_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a logged interaction (and add attachments), if it is the version the user saw."""
    user: Any = request.user
    interaction = _interaction_or_404(user, pk)
    if not can(user, "change", interaction):
        raise PermissionDenied

    def form(record: Interaction, data: QueryDict | None) -> InteractionEditForm:
        files = request.FILES if data is not None else None
        initial = interaction_initial(record)
        return InteractionEditForm(data, files, initial=initial, interaction=record)

    def update(form: InteractionEditForm, record: Interaction, version: int | None) -> Interaction:
        return services.update_interaction(
            actor=user, interaction=record, data=form.to_data(), expected_version=version
        )

    def check(form: InteractionEditForm, record: Interaction) -> object:
        data = form.to_data(files=False)
        return services.update_interaction(
            actor=user, interaction=record, data=data, expected_version=None
        )

    def saved(saved: Interaction) -> HttpResponse:
        messages.success(request, _("Interaction saved."))
        return redirect(_entry_url(saved))

    return versioned_edit(
        request,
        interaction,
        form=form,
        load=lambda: _visible_interaction(user, pk),
        save=update,
        check=check,
        field_map=InteractionEditForm.field_map,
        page=_interaction_page,
        saved=saved,
        gone=lambda: _gone(request, interaction.customer_id),
    )


@login_required
@require_http_methods(["GET", "POST"])
def interaction_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask, then delete a logged interaction (with its attachments) if it is unchanged."""
    user: Any = request.user
    interaction = _interaction_or_404(user, pk)
    if not can(user, "delete", interaction):
        raise PermissionDenied
    form = VersionForm(request.POST or None, initial={"version": interaction.version})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            customer_id = interaction.customer_id
            try:
                services.delete_interaction(
                    actor=user,
                    interaction=interaction,
                    expected_version=form.cleaned_data["version"],
                )
            except StaleVersion as exc:
                current = _visible_interaction(user, pk)
                if current is None:
                    return _gone(request, customer_id)
                messages.error(request, exc.message)
                interaction = current
                form = VersionForm(initial={"version": current.version})
                status = 409
            except NotAllowed:
                raise PermissionDenied from None
            else:
                messages.success(request, _("Interaction deleted."))
                return redirect(reverse("customers:detail", args=[customer_id]) + "#timeline")
        else:
            status = 422
    context = {
        "nav": "customers",
        "customer": interaction.customer,
        "interaction": interaction,
        "form": form,
    }
    return render(request, "timeline/interaction_delete.html", context, status=status)
