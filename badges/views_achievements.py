"""The issuer UI's achievement pages: list, detail, create, edit, archive, and the criteria preview.

Thin views: a form validates, `badges.achievements` writes, the view redirects with a message. A
create or edit form is submitted with one of several buttons (`action`): "save", "preview" (show
the rendered criteria), "add-alignment" and "add-result" (one more empty row). Only "save" writes;
the others show the form again exactly as typed, without judging it yet.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.forms import BaseFormSet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.http import AuthenticatedHttpRequest
from badges import achievements
from badges.filters import AchievementFilter
from badges.forms_achievements import (
    AchievementForm,
    AlignmentFormSet,
    ResultDescriptionForm,
    ResultDescriptionFormSet,
)
from badges.markdown import MAX_INPUT_CHARS, render_markdown
from badges.models import Achievement, CredentialStatus
from issuer.models import Issuer
from issuer.permissions import Action, issuer_required

PAGE_SIZE = 25
ALIGNMENTS = "alignments"
RESULTS = "results"


def _achievement(issuer: Issuer, pk: int) -> Achievement:
    # Scoped to the issuer of the URL: another issuer's achievement is not found.
    return get_object_or_404(Achievement.objects.select_related("issuer"), issuer=issuer, pk=pk)


@require_safe
@issuer_required(Action.VIEW)
def achievement_list(request: HttpRequest, issuer: Issuer) -> HttpResponse:
    filterset = AchievementFilter(request.GET, Achievement.objects.filter(issuer=issuer), issuer=issuer)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "badges/achievement_list.html",
        {
            "nav": "achievements",
            "form": filterset.form,
            "page": page,
            "filtered": any(value for name, value in filterset.form.cleaned_data.items() if name != "archived"),
        },
    )


def _status_counts(achievement: Achievement) -> dict[str, int]:
    rows = dict(achievement.credentials.values("status").annotate(n=Count("pk")).values_list("status", "n"))
    counts = {status: rows.get(status, 0) for status in CredentialStatus.values}
    counts["total"] = sum(rows.values())
    return counts


@require_safe
@issuer_required(Action.VIEW)
def achievement_detail(request: HttpRequest, issuer: Issuer, pk: int) -> HttpResponse:
    achievement = _achievement(issuer, pk)
    return render(
        request,
        "badges/achievement_detail.html",
        {
            "nav": "achievements",
            "achievement": achievement,
            "criteria_html": render_markdown(achievement.criteria_narrative),
            "alignments": achievement.alignments.all(),
            "counts": _status_counts(achievement),
        },
    )


def _with_extra_row(data: QueryDict, prefix: str, defaults: dict[str, str]) -> QueryDict:
    """The submitted data with one more (empty) row in the formset `prefix`."""
    data = data.copy()
    try:
        total = int(data.get(f"{prefix}-TOTAL_FORMS", "0"))
    except ValueError:
        total = 0
    if total < AlignmentFormSet.max_num:
        for field, value in defaults.items():
            data[f"{prefix}-{total}-{field}"] = value
        data[f"{prefix}-TOTAL_FORMS"] = str(total + 1)
    return data


def _apply_errors(exc: ValidationError, form: AchievementForm) -> None:
    """Show a service's refusal next to the input at fault (the forms check the same rules first,
    so this is for what only the database knows, such as a slug taken a moment ago)."""
    for field, field_messages in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, field_messages)


def _error_summary(form: AchievementForm, formsets: dict[str, BaseFormSet]) -> list[tuple[str, str]]:
    """(id of the input, message) for every error, so the summary at the top can link to each input."""
    items: list[tuple[str, str]] = []

    def collect(a_form: Any, prefix: str) -> None:
        for name, errors in a_form.errors.items():
            if name == NON_FIELD_ERRORS or name not in a_form.fields:
                items.extend(("", f"{prefix}{error}") for error in errors)
            else:
                field = a_form[name]
                items.extend((field.auto_id, f"{prefix}{field.label}: {error}") for error in errors)

    collect(form, "")
    # The same names as the rows' legends on the page ("Result 2").
    for row_name, formset in (
        (gettext("Result %(number)s"), formsets[RESULTS]),
        (gettext("Alignment %(number)s"), formsets[ALIGNMENTS]),
    ):
        items.extend(("", str(error)) for error in formset.non_form_errors())
        for number, row in enumerate(formset.forms, start=1):
            # _should_delete_form: Django's test for a row marked DELETE, private and missing from its stubs.
            if not (formset.can_delete and formset._should_delete_form(row)):  # type: ignore[attr-defined]
                collect(row, (row_name % {"number": number}) + ", ")
    return items


def _edit(request: AuthenticatedHttpRequest, issuer: Issuer, achievement: Achievement | None) -> HttpResponse:
    """The create and edit pages: one form, two inline formsets, four buttons."""
    action = ""
    if request.method == "POST":
        action = request.POST.get("action", "save")
        action = action if action in ("preview", "add-alignment", "add-result") else "save"
    quiet = action not in ("", "save")
    data: QueryDict | None = None
    if request.method == "POST":
        data = request.POST
        if action == "add-alignment":
            data = _with_extra_row(data, ALIGNMENTS, {})
        elif action == "add-result":
            data = _with_extra_row(
                data, RESULTS, {"result_type": ResultDescriptionForm.base_fields["result_type"].initial}
            )
    files = request.FILES if request.method == "POST" and not quiet else None
    form = AchievementForm(data, files, issuer=issuer, achievement=achievement, quiet=quiet)
    initial_alignments = initial_results = None
    if data is None:
        if achievement is not None:
            initial_alignments = [
                {
                    "target_name": a.target_name,
                    "target_url": a.target_url,
                    "target_framework": a.target_framework,
                    "target_code": a.target_code,
                    "target_type": a.target_type if not a.target_type.startswith("ext:") else "ext",
                    "target_type_extension": a.target_type if a.target_type.startswith("ext:") else "",
                    "target_description": a.target_description,
                }
                for a in achievement.alignments.all()
            ]
            initial_results = [ResultDescriptionForm.initial_for(r) for r in achievement.result_descriptions]
    formsets: dict[str, BaseFormSet] = {
        ALIGNMENTS: AlignmentFormSet(data, prefix=ALIGNMENTS, initial=initial_alignments, quiet=quiet),
        RESULTS: ResultDescriptionFormSet(data, prefix=RESULTS, initial=initial_results, quiet=quiet),
    }
    preview = None
    if action == "preview":
        preview = render_markdown(request.POST.get("criteria_narrative", ""))
    elif action == "save" and form.is_valid() and all(fs.is_valid() for fs in formsets.values()):
        payload = {
            "data": form.service_data(),
            "alignments": formsets[ALIGNMENTS].service_data(),  # type: ignore[attr-defined]
            "result_descriptions": formsets[RESULTS].service_data(),  # type: ignore[attr-defined]
        }
        try:
            if achievement is None:
                saved = achievements.achievement_create(issuer=issuer, actor=request.user, **payload)
                messages.success(request, gettext("Created “%(name)s”.") % {"name": saved.name})
            else:
                saved = achievements.achievement_update(
                    achievement=achievement,
                    actor=request.user,
                    expected_token=form.cleaned_data.get("edit_token") or None,
                    **payload,
                )
                if saved.updated_at == achievement.updated_at:
                    messages.info(request, gettext("Nothing was changed."))
                elif saved.version != achievement.version:
                    messages.success(
                        request,
                        gettext("Saved “%(name)s” as version %(version)s.")
                        % {"name": saved.name, "version": saved.version},
                    )
                else:
                    messages.success(request, gettext("Saved “%(name)s”.") % {"name": saved.name})
            return redirect("badges:achievement-detail", issuer.slug, saved.pk)
        except achievements.AchievementConflict as exc:
            form.add_error(None, exc)
            # Saving again now is a deliberate choice to replace the other save.
            assert achievement is not None  # only an update can conflict
            form.data = form.data.copy()
            form.data["edit_token"] = achievements.edit_token(Achievement.objects.get(pk=achievement.pk))
        except ValidationError as exc:
            _apply_errors(exc, form)
    issued = achievement.credentials.count() if achievement is not None else 0
    context: dict[str, Any] = {
        "nav": "achievements",
        "achievement": achievement,
        "form": form,
        "alignment_formset": formsets[ALIGNMENTS],
        "result_formset": formsets[RESULTS],
        "preview": preview,
        "issued": issued,
        "next_version": achievements.next_version(achievement.version) if achievement is not None else None,
        # A browser never sends a chosen file again: say so rather than lose it silently.
        "image_dropped": request.method == "POST" and bool(request.FILES.get("image")),
        "error_summary": _error_summary(form, formsets) if action == "save" else [],
    }
    return render(request, "badges/achievement_form.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@issuer_required(Action.EDIT_ACHIEVEMENTS)
def achievement_create(request: AuthenticatedHttpRequest, issuer: Issuer) -> HttpResponse:
    return _edit(request, issuer, None)


@require_http_methods(["GET", "HEAD", "POST"])
@issuer_required(Action.EDIT_ACHIEVEMENTS)
def achievement_edit(request: AuthenticatedHttpRequest, issuer: Issuer, pk: int) -> HttpResponse:
    return _edit(request, issuer, _achievement(issuer, pk))


@require_POST
@issuer_required(Action.EDIT_ACHIEVEMENTS)
def achievement_archive(request: AuthenticatedHttpRequest, issuer: Issuer, pk: int) -> HttpResponse:
    """Archive (or, with `archived=0`, unarchive) an achievement."""
    achievement = _achievement(issuer, pk)
    if request.POST.get("archived", "1") == "0":
        achievements.achievement_unarchive(achievement=achievement, actor=request.user)
        messages.success(request, gettext("“%(name)s” can be awarded again.") % {"name": achievement.name})
    else:
        achievements.achievement_archive(achievement=achievement, actor=request.user)
        messages.success(
            request,
            gettext("Archived “%(name)s”: it can no longer be awarded; its credentials stay valid.")
            % {"name": achievement.name},
        )
    return redirect("badges:achievement-detail", issuer.slug, achievement.pk)


@require_POST
@issuer_required(Action.EDIT_ACHIEVEMENTS)
def markdown_preview(request: HttpRequest, issuer: Issuer) -> HttpResponse:
    """The sanitized HTML of the Markdown in `text` (or `criteria_narrative`), as a fragment."""
    text = request.POST.get("text", request.POST.get("criteria_narrative", ""))
    if len(text) > MAX_INPUT_CHARS:
        return HttpResponse(
            gettext("At most %(count)s characters.") % {"count": MAX_INPUT_CHARS}, status=413, content_type="text/plain"
        )
    response = HttpResponse(render_markdown(text), content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response
