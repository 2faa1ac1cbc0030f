"""The issuer's stacking pages: qualifications (list, the rule builder, apply to current holders, deactivate) and
partnerships between issuers.

The rule builder works without JavaScript: the rule being built travels as JSON in a hidden field, and every
button posts one small edit (stacking.builder) to the same page, which shows the tree again with its summary,
what is still missing, and how many learners already qualify. Views are thin: writes go through
stacking.services; every object is looked up within the issuer of the URL, so another issuer's id is a 404.
"""

from __future__ import annotations

import uuid as uuid_module
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext, ngettext, pgettext, pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.http import AuthenticatedHttpRequest
from badges.models import Achievement, CredentialSource, CredentialStatus
from config.tasks import enqueue
from issuer.models import Issuer
from issuer.permissions import STACKING_WRITE, Action, can, issuer_required
from stacking import builder, rules
from stacking.forms import BuilderControlsForm, PartnershipRequestForm, QualificationForm
from stacking.models import Partnership, PartnershipStatus, Qualification
from stacking.selectors import rule_summaries
from stacking.services import (
    StackingError,
    partnership_answer,
    partnership_request,
    qualification_deactivate,
    qualification_preview,
    qualification_save,
    rule_preview,
    usable_achievements,
)
from stacking.templatetags.stacking_tags import partnership_state


def _may_write(request: HttpRequest) -> bool:
    """Whether the pages offer the rule and partnership writes: a rule awards, so it takes both actions (D34)."""
    return all(can(request.membership, action) for action in STACKING_WRITE)  # type: ignore[attr-defined]


def _qualification(issuer: Issuer, uuid: Any) -> Qualification:
    return get_object_or_404(Qualification.objects.select_related("achievement", "issuer"), issuer=issuer, uuid=uuid)


@require_safe
@issuer_required(Action.VIEW)
def qualification_list(request: HttpRequest, issuer: Issuer) -> HttpResponse:
    stacked = Q(achievement__credentials__source=CredentialSource.STACKING)
    qualifications = (
        Qualification.objects.filter(issuer=issuer)
        .select_related("achievement")
        .annotate(stacked=Count("achievement__credentials", filter=stacked))
        .order_by("-active", "achievement__name", "pk")
    )
    summaries = rule_summaries(list(qualifications))
    context = {
        "nav": "qualifications",
        "qualifications": qualifications,
        "rows": [(q, summaries[q.pk]) for q in qualifications],  # each with its rule in the reader's language
        "can_edit": _may_write(request),
    }
    return render(request, "stacking/qualification_list.html", context)


# --- the rule builder ----------------------------------------------------------------------------------------


def _achievement_choices(issuer: Issuer) -> tuple[list[tuple[str, Any]], set[str]]:
    """The builder's choices, grouped by issuer (this issuer first, then partners), and the set of their UUIDs."""
    own: list[tuple[str, str]] = []
    partners: dict[str, list[tuple[str, str]]] = {}
    for achievement in usable_achievements(issuer).filter(archived=False).order_by("issuer__name", "name"):
        option = (str(achievement.uuid), achievement.name)
        if achievement.issuer_id == issuer.pk:
            own.append(option)
        else:
            partners.setdefault(gettext("Partner: %(issuer)s") % {"issuer": achievement.issuer.name}, []).append(option)
    choices: list[tuple[str, Any]] = []
    if own:
        choices.append((issuer.name, own))
    choices.extend(partners.items())
    return choices, {value for _, options in choices for value, _ in options}


def _names(refs: list[str]) -> dict[str, str]:
    valid = []
    for ref in refs:
        try:
            valid.append(uuid_module.UUID(ref))
        except ValueError:
            continue
    return {str(u): name for u, name in Achievement.objects.filter(uuid__in=valid).values_list("uuid", "name")}


def _polite(exc: rules.RuleError) -> str:
    try:
        where = builder.human_path(builder.parse_path(exc.path))
    except builder.BuilderError:
        where = gettext("the rule")
    return gettext("The rule is not complete yet: %(where)s — %(problem)s.") % {
        "where": where,
        "problem": exc.for_reader(),
    }


def _initial(post: Any) -> dict[str, Any]:
    """The settings as posted, to show again without error messages after a builder edit."""
    return {
        "achievement": post.get("achievement") or None,
        "window_days": post.get("window_days", ""),
        "require_valid": bool(post.get("require_valid")),
        "on_component_loss": post.get("on_component_loss") or None,
    }


@require_http_methods(["GET", "POST"])
@issuer_required(*STACKING_WRITE)
def qualification_create(request: AuthenticatedHttpRequest, issuer: Issuer) -> HttpResponse:
    return _builder(request, issuer, None)


@require_http_methods(["GET", "POST"])
@issuer_required(*STACKING_WRITE)
def qualification_edit(request: AuthenticatedHttpRequest, issuer: Issuer, uuid: Any) -> HttpResponse:
    return _builder(request, issuer, _qualification(issuer, uuid))


def _builder(request: AuthenticatedHttpRequest, issuer: Issuer, qualification: Qualification | None) -> HttpResponse:
    choices, choice_values = _achievement_choices(issuer)
    notice = ""  # why the last builder edit could not be made
    rule_error = ""  # why the rule cannot be saved (not well formed, or refused by the service)
    status = 200
    target: Achievement | None = qualification.achievement if qualification else None
    window_days: int | None = qualification.window_days if qualification else None
    require_valid = qualification.require_valid if qualification else False
    controls_initial: dict[str, str] = {}

    if request.method != "POST":
        rule = qualification.rule if qualification else builder.empty()
        initial = {}
        if qualification is not None:
            initial = {
                "window_days": qualification.window_days,
                "require_valid": qualification.require_valid,
                "on_component_loss": qualification.on_component_loss,
            }
        form = QualificationForm(initial=initial, issuer=issuer, qualification=qualification)
    else:
        post = request.POST
        op, _, op_path = post.get("op", "update").partition(":")
        try:
            rule = builder.load(post.get("rule", ""))
        except builder.BuilderError as exc:
            notice = gettext("%(problem)s The builder started again from an empty rule.") % {"problem": exc}
            rule, status = builder.empty(), 400
        else:
            try:
                rule = builder.apply_settings(rule, post)
                if op == "add_group":
                    rule, new_path = builder.add_group(rule, post.get("group_parent", ""), post.get("group_kind", ""))
                    # The next achievement most likely goes into the group just added.
                    controls_initial = {"group_parent": new_path, "achievement_parent": new_path}
                elif op == "add_achievement":
                    ref = post.get("new_achievement", "")
                    if ref and ref not in choice_values:
                        raise builder.BuilderError(gettext("Choose an achievement from the list."))
                    rule = builder.add_achievement(rule, post.get("achievement_parent", ""), ref)
                elif op == "remove":
                    rule = builder.remove(rule, op_path)
            except builder.BuilderError as exc:
                notice, status = str(exc), 400
                rule = builder.load(post.get("rule", ""))
        bound = QualificationForm(post, issuer=issuer, qualification=qualification)
        valid = bound.is_valid()
        target = bound.cleaned_data.get("achievement", target)
        window_days = bound.cleaned_data.get("window_days", window_days)
        require_valid = bound.cleaned_data.get("require_valid", require_valid)
        if op == "save" and not notice:
            form = bound
            tree, rule_error = _parse(rule)
            if not valid or tree is None:
                status = 400
            else:
                try:
                    with transaction.atomic():
                        saved = qualification_save(
                            issuer=issuer,
                            achievement=bound.cleaned_data["achievement"],
                            rule=rule,
                            window_days=bound.cleaned_data["window_days"],
                            require_valid=bound.cleaned_data["require_valid"],
                            on_component_loss=bound.cleaned_data["on_component_loss"],
                            qualification=qualification,
                            actor=request.user,
                        )
                except StackingError as exc:
                    if exc.field in (None, "rule"):
                        rule_error = exc.message
                    else:
                        bound.add_service_error(exc)
                    status = 400
                else:
                    if qualification is None:
                        done = gettext("Created the qualification for %(name)s.")
                    else:
                        done = gettext("Saved the qualification for %(name)s.")
                    messages.success(request, done % {"name": saved.achievement.name})
                    return redirect("stacking:qualification-apply", issuer.slug, saved.uuid)
        else:
            form = QualificationForm(initial=_initial(post), issuer=issuer, qualification=qualification)
        # Keep the "add" controls as chosen, except after a removal, which renumbers the groups after it.
        keep = ("group_kind",) if op == "remove" else ("group_parent", "achievement_parent", "group_kind")
        for name in keep:
            if name not in controls_initial and post.get(name) in builder.group_paths(rule) + list(rules.GROUP_KINDS):
                controls_initial[name] = post[name]

    tree, parse_error = _parse(rule)
    rule_error = rule_error or parse_error
    summary = preview = None
    if tree is not None:
        summary = rules.summary(tree, _names(rules.leaves(tree)), for_reader=True)
        if target is not None:
            summary = f"{target.name}: {summary}"
        try:
            preview = rule_preview(issuer=issuer, rule=rule, window_days=window_days, require_valid=require_valid)
        except StackingError as exc:
            rule_error = rule_error or exc.message
    context = {
        "nav": "qualifications",
        "qualification": qualification,
        "form": form,
        "controls": BuilderControlsForm(initial=controls_initial, rule=rule, choices=choices),
        "tree": builder.outline(rule, _names(builder.achievement_refs(rule))),
        "rule_json": builder.save(rule),
        "kinds": list(builder.KIND_LABELS.items()),
        "notice": notice,
        "rule_error": rule_error,
        "summary": summary,
        "preview": preview,
        "has_choices": bool(choice_values),
    }
    return render(request, "stacking/qualification_form.html", context, status=status)


def _parse(rule: dict[str, Any]) -> tuple[rules.Node | None, str]:
    try:
        return rules.parse(rule), ""
    except rules.RuleError as exc:
        return None, _polite(exc)


# --- apply, deactivate ---------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@issuer_required(*STACKING_WRITE)
def qualification_apply(request: HttpRequest, issuer: Issuer, uuid: Any) -> HttpResponse:
    """The count first; the POST enqueues the award of the stacked credential to everyone who already qualifies."""
    qualification = _qualification(issuer, uuid)
    qualifying, holders = qualification_preview(qualification)
    if request.method == "POST":
        if not qualification.active:
            messages.error(request, gettext("This qualification is inactive; save it again to activate it first."))
        elif qualifying == 0:
            messages.info(request, gettext("Nobody qualifies yet, so nothing was awarded."))
        else:
            enqueue("stacking.tasks.apply_qualification", qualification.pk, request.user.pk)
            applying = ngettext(
                "Applying the rule: %(count)s learner is being awarded %(name)s.",
                "Applying the rule: %(count)s learners are being awarded %(name)s.",
                qualifying,
            )
            messages.success(request, applying % {"count": qualifying, "name": qualification.achievement.name})
        return redirect("stacking:qualification-list", issuer.slug)
    context = {
        "nav": "qualifications",
        "qualification": qualification,
        "summary": rule_summaries([qualification])[qualification.pk],
        "qualifying": qualifying,
        "holders": holders,
        "already": qualification.awards.filter(credential__status=CredentialStatus.ACTIVE).count(),
    }
    return render(request, "stacking/qualification_apply.html", context)


@require_http_methods(["GET", "POST"])
@issuer_required(*STACKING_WRITE)
def qualification_deactivate_view(request: AuthenticatedHttpRequest, issuer: Issuer, uuid: Any) -> HttpResponse:
    qualification = _qualification(issuer, uuid)
    if request.method == "POST":
        if qualification.active:
            qualification_deactivate(qualification=qualification, actor=request.user)
            inactive = gettext("The qualification for %(name)s is inactive.")
            messages.success(request, inactive % {"name": qualification.achievement.name})
        else:
            messages.info(request, gettext("This qualification was already inactive."))
        return redirect("stacking:qualification-list", issuer.slug)
    context = {
        "nav": "qualifications",
        "qualification": qualification,
        "summary": rule_summaries([qualification])[qualification.pk],
    }
    return render(request, "stacking/qualification_deactivate.html", context)


# --- partnerships --------------------------------------------------------------------------------------------


def _partnerships_page(request: HttpRequest, issuer: Issuer, form: PartnershipRequestForm, status: int = 200):
    context = {
        "nav": "qualifications",
        "form": form,
        "requested": Partnership.objects.filter(issuer=issuer).select_related("partner").order_by("partner__name"),
        "received": Partnership.objects.filter(partner=issuer).select_related("issuer").order_by("issuer__name"),
        "can_edit": _may_write(request),
    }
    return render(request, "stacking/partnerships.html", context, status=status)


@require_safe
@issuer_required(Action.VIEW)
def partnership_list(request: HttpRequest, issuer: Issuer) -> HttpResponse:
    return _partnerships_page(request, issuer, PartnershipRequestForm(issuer=issuer))


@require_POST
@issuer_required(*STACKING_WRITE)
def partnership_create(request: AuthenticatedHttpRequest, issuer: Issuer) -> HttpResponse:
    form = PartnershipRequestForm(request.POST, issuer=issuer)
    if form.is_valid():
        partner = form.cleaned_data["partner"]
        try:
            partnership = partnership_request(issuer=issuer, partner=partner, actor=request.user)
        except StackingError as exc:
            form.add_error("partner", exc.message)
        else:
            if partnership.status == PartnershipStatus.ACCEPTED:
                accepted = gettext("%(issuer)s has already accepted; its achievements are usable.")
                messages.info(request, accepted % {"issuer": partner.name})
            else:
                asked = gettext(
                    "Asked %(issuer)s. Once one of its owners accepts, your rules can use its achievements."
                )
                messages.success(request, asked % {"issuer": partner.name})
            return redirect("stacking:partnership-list", issuer.slug)
    return _partnerships_page(request, issuer, form, status=400)


# decision → (the statuses it applies to, accept?, the decision as a word, the message once it is made)
DECISIONS = {
    "accept": (
        (PartnershipStatus.PENDING,),
        True,
        pgettext_lazy("partnership decision", "accept"),
        pgettext_lazy("partnership decision", "%(issuer)s may now use your achievements in its rules."),
    ),
    "decline": (
        (PartnershipStatus.PENDING,),
        False,
        pgettext_lazy("partnership decision", "decline"),
        pgettext_lazy("partnership decision", "Declined %(issuer)s's request."),
    ),
    "end": (
        (PartnershipStatus.ACCEPTED,),
        False,
        pgettext_lazy("partnership decision", "end"),
        pgettext_lazy(
            "partnership decision",
            "Ended the partnership with %(issuer)s: it cannot add your achievements to its rules any more.",
        ),
    ),
}


@require_POST
@issuer_required(*STACKING_WRITE)
def partnership_decide(request: AuthenticatedHttpRequest, issuer: Issuer, pk: int, decision: str) -> HttpResponse:
    """Accept, decline or end a partnership another issuer asked this issuer for."""
    if decision not in DECISIONS:
        raise Http404("No such decision.")
    partnership = get_object_or_404(Partnership.objects.select_related("issuer"), pk=pk, partner=issuer)
    allowed_from, accept, word, done = DECISIONS[decision]
    if partnership.status not in allowed_from:
        refused = pgettext("partnership decision", "This partnership is %(status)s: cannot %(decision)s.")
        state = partnership_state(partnership.status).lower()
        messages.error(request, refused % {"status": state, "decision": word})
    else:
        partnership_answer(partnership=partnership, accept=accept, actor=request.user)
        messages.success(request, str(done) % {"issuer": partnership.issuer.name})
    return redirect("stacking:partnership-list", issuer.slug)
