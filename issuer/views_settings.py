"""The issuer's settings pages: profile, keys, staff, audit log, and accepting a staff invitation.

Views check the role (issuer.permissions), validate with a form, call a service and redirect with a
message; on invalid input they re-render the bound form so nothing typed is lost.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.http import AuthenticatedHttpRequest
from issuer.extensions import signatures_by
from issuer.forms import (
    ADDRESS_FIELDS,
    PROFILE_FORM_FIELDS,
    AuditFilterForm,
    CompromiseKeyForm,
    IdentifierFormSet,
    InviteForm,
    NewAccountForm,
    ProfileForm,
    RoleForm,
    RotateKeyForm,
    identifier_initial,
)
from issuer.models import (
    IDENTIFIER_TYPES,
    Invitation,
    Issuer,
    IssuerMembership,
    KeyPurpose,
    KeyState,
    Role,
    SigningKey,
    role_in_sentence,
)
from issuer.permissions import Action, can, issuer_required
from issuer.selectors import (
    AuditFilters,
    audit_actors,
    audit_events,
    audit_lines,
    invitation_by_token,
    issuer_keys,
    jwk_thumbprint,
    pending_invitations,
)
from issuer.services import (
    InvitationUnusable,
    IssuerError,
    invitation_accept,
    invitation_check,
    invitation_revoke,
    issuer_key_rotate,
    issuer_update,
    membership_remove,
    membership_set,
    signing_key_mark_compromised,
    staff_invite,
)

AUDIT_PAGE_SIZE = 50


def _add_service_errors(form: Form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form fields it names (the rest on the form)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


# Profile ----------------------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@issuer_required(Action.VIEW)
def profile(request: AuthenticatedHttpRequest, issuer: Issuer) -> HttpResponse:
    """All staff see the public profile; owners also get the form (and only they may post it)."""
    may_edit = can(request.membership, Action.EDIT_PROFILE)  # type: ignore[attr-defined]
    form: ProfileForm | None = None
    identifiers = None
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied(gettext("Only owners can change the issuer profile."))
        form = ProfileForm(request.POST, request.FILES, initial=ProfileForm.initial_for(issuer))
        identifiers = IdentifierFormSet(request.POST, prefix="identifiers", initial=identifier_initial(issuer))
        if form.is_valid() and identifiers.is_valid():
            fields: dict[str, Any] = {name: form.cleaned_data[name] for name in PROFILE_FORM_FIELDS}
            fields["other_identifiers"] = identifiers.entries()
            image = form.cleaned_data["image"]
            # A new upload replaces the logo, False ("clear" ticked) removes it, the stored file keeps it.
            fields["image"] = image if image is False or isinstance(image, UploadedFile) else None
            try:
                issuer_update(issuer=issuer, actor=request.user, **fields)
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                messages.success(
                    request, gettext("Profile saved. Credentials issued from now on carry it; issued ones keep theirs.")
                )
                return redirect("issuer:profile", issuer.slug)
    elif may_edit:
        form = ProfileForm(initial=ProfileForm.initial_for(issuer))
        identifiers = IdentifierFormSet(prefix="identifiers", initial=identifier_initial(issuer))
    return render(
        request,
        "issuer/profile.html",
        {
            "nav": "profile",
            "issuer": issuer,
            "role": role_in_sentence(request.membership.role),  # type: ignore[attr-defined]
            "form": form,
            "identifiers": identifiers,
            "address_fields": [form[name] for name in ADDRESS_FIELDS] if form else [],
            "identifier_types": IDENTIFIER_TYPES,
        },
    )


# Keys -------------------------------------------------------------------------------------------


def _keys_page(request: HttpRequest, issuer: Issuer, rotate_form: RotateKeyForm | None = None) -> HttpResponse:
    may_manage = can(request.membership, Action.MANAGE_KEYS)  # type: ignore[attr-defined]
    if rotate_form is None and may_manage:
        rotate_form = RotateKeyForm()
    return render(
        request,
        "issuer/keys.html",
        {"nav": "keys", "keys": issuer_keys(issuer), "rotate_form": rotate_form, "may_manage": may_manage},
    )


@require_safe
@issuer_required(Action.VIEW)
def keys(request: HttpRequest, issuer: Issuer) -> HttpResponse:
    return _keys_page(request, issuer)


@require_POST
@issuer_required(Action.MANAGE_KEYS)
def key_rotate(request: AuthenticatedHttpRequest, issuer: Issuer) -> HttpResponse:
    form = RotateKeyForm(request.POST)
    if form.is_valid():
        purpose = form.cleaned_data["purpose"]
        try:
            key = issuer_key_rotate(
                issuer=issuer, purpose=purpose, algorithm=form.cleaned_data["algorithm"], actor=request.user
            )
        except IssuerError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                gettext(
                    "New %(purpose)s key %(key_id)s is active. The previous one is retired: what it signed keeps "
                    "verifying."
                )
                % {"purpose": KeyPurpose(purpose).label, "key_id": key.key_id},
            )
            return redirect("issuer:keys", issuer.slug)
    return _keys_page(request, issuer, form)


@require_http_methods(["GET", "HEAD", "POST"])
@issuer_required(Action.MANAGE_KEYS)
def key_compromise(request: AuthenticatedHttpRequest, issuer: Issuer, key_id: str) -> HttpResponse:
    """Confirmation page: the owner types the key id and gives a reason."""
    key = get_object_or_404(SigningKey, issuer=issuer, key_id=key_id)
    already = key.state == KeyState.COMPROMISED
    form = CompromiseKeyForm(request.POST or None, key_id=key.key_id)
    if request.method == "POST":
        if already:
            messages.info(request, gettext("Key %(key_id)s was already marked compromised.") % {"key_id": key.key_id})
            return redirect("issuer:keys", issuer.slug)
        if form.is_valid():
            was_active = key.state == KeyState.ACTIVE
            signing_key_mark_compromised(key=key, actor=request.user, reason=form.cleaned_data["reason"])
            if was_active:
                done = gettext(
                    "Key %(key_id)s is marked compromised and removed from the DID document. A new key of the same "
                    "kind is now active."
                )
            else:
                done = gettext("Key %(key_id)s is marked compromised and removed from the DID document.")
            messages.success(request, done % {"key_id": key.key_id})
            return redirect("issuer:keys", issuer.slug)
    return render(
        request,
        "issuer/key_compromise.html",
        {
            "nav": "keys",
            "key": key,
            "thumbprint": jwk_thumbprint(key.public_jwk),
            "signed": signatures_by(key),
            "form": form,
            "already": already,
        },
    )


# Staff ------------------------------------------------------------------------------------------


def _staff_page(request: HttpRequest, issuer: Issuer, invite_form: InviteForm | None = None) -> HttpResponse:
    may_manage = can(request.membership, Action.MANAGE_STAFF)  # type: ignore[attr-defined]
    memberships = list(IssuerMembership.objects.filter(issuer=issuer).select_related("user").order_by("user__username"))
    if may_manage:
        for membership in memberships:
            form = RoleForm(initial={"role": membership.role}, auto_id=f"id_member{membership.pk}_%s")
            form.fields["role"].widget.attrs["aria-label"] = gettext("Role of %(name)s") % {
                "name": membership.user.get_username()
            }
            membership.role_form = form  # type: ignore[attr-defined]
    return render(
        request,
        "issuer/staff.html",
        {
            "nav": "staff",
            "memberships": memberships,
            "invitations": pending_invitations(issuer),
            "invite_form": (invite_form or InviteForm()) if may_manage else None,
            "may_manage": may_manage,
            "owner_count": sum(1 for m in memberships if m.role == Role.OWNER),
        },
    )


@require_safe
@issuer_required(Action.VIEW)
def staff(request: HttpRequest, issuer: Issuer) -> HttpResponse:
    return _staff_page(request, issuer)


@require_POST
@issuer_required(Action.MANAGE_STAFF)
def staff_invite_view(request: AuthenticatedHttpRequest, issuer: Issuer) -> HttpResponse:
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            result = staff_invite(
                issuer=issuer, email=form.cleaned_data["email"], role=form.cleaned_data["role"], actor=request.user
            )
        except IssuerError as exc:
            form.add_error("email", str(exc))
        else:
            if isinstance(result, Invitation):
                messages.success(
                    request,
                    gettext("Invitation sent to %(email)s. The link works for 7 days.") % {"email": result.email},
                )
            else:
                messages.success(
                    request,
                    gettext("%(name)s already had an account and is now %(role)s; they were notified by e-mail.")
                    % {"name": result.user.get_username(), "role": result.get_role_display()},
                )
            return redirect("issuer:staff", issuer.slug)
    return _staff_page(request, issuer, form)


@require_POST
@issuer_required(Action.MANAGE_STAFF)
def staff_role(request: AuthenticatedHttpRequest, issuer: Issuer, membership_id: int) -> HttpResponse:
    membership = get_object_or_404(IssuerMembership.objects.select_related("user"), issuer=issuer, pk=membership_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Choose one of the roles listed."))
        return redirect("issuer:staff", issuer.slug)
    try:
        membership_set(issuer=issuer, user=membership.user, role=form.cleaned_data["role"], actor=request.user)
    except IssuerError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            gettext("%(name)s is now %(role)s.")
            % {"name": membership.user.get_username(), "role": role_in_sentence(form.cleaned_data["role"])},
        )
    return redirect("issuer:staff", issuer.slug)


@require_http_methods(["GET", "HEAD", "POST"])
@issuer_required(Action.MANAGE_STAFF)
def staff_remove(request: AuthenticatedHttpRequest, issuer: Issuer, membership_id: int) -> HttpResponse:
    membership = get_object_or_404(IssuerMembership.objects.select_related("user"), issuer=issuer, pk=membership_id)
    error = ""
    if request.method == "POST":
        try:
            membership_remove(membership=membership, actor=request.user)
        except IssuerError as exc:
            error = str(exc)
        else:
            messages.success(
                request, gettext("%(name)s is no longer on the staff.") % {"name": membership.user.get_username()}
            )
            if membership.user_id == request.user.pk:
                return redirect("issuer:manage-index")
            return redirect("issuer:staff", issuer.slug)
    return render(
        request,
        "issuer/staff_remove.html",
        {
            "nav": "staff",
            "membership": membership,
            "role": role_in_sentence(membership.role),
            "error": error,
            "is_self": membership.user_id == request.user.pk,
        },
    )


@require_POST
@issuer_required(Action.MANAGE_STAFF)
def staff_invitation_revoke(request: AuthenticatedHttpRequest, issuer: Issuer, invitation_id: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation, issuer=issuer, pk=invitation_id)
    try:
        invitation_revoke(invitation=invitation, actor=request.user)
    except IssuerError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            gettext("The invitation to %(email)s is withdrawn; its link no longer works.")
            % {"email": invitation.email},
        )
    return redirect("issuer:staff", issuer.slug)


@require_http_methods(["GET", "HEAD", "POST"])
def invitation_accept_view(request: HttpRequest, token: str) -> HttpResponse:
    """The link from an invitation e-mail: join as the signed-in user, sign in first, or create an account."""
    try:
        invitation = invitation_check(invitation_by_token(token))
    except InvitationUnusable as exc:
        return render(
            request,
            "issuer/invitation_unusable.html",
            {"message": str(exc), "reason": exc.reason},
            status=404 if exc.reason == "unknown" else 410,
        )
    if request.user.is_authenticated:
        mode = "join" if (request.user.email or "").lower() == invitation.email else "wrong-account"
    elif get_user_model().objects.filter(email__iexact=invitation.email, is_active=True).exists():
        mode = "sign-in"
    else:
        mode = "new-account"
    form = None
    if mode == "new-account":
        form = NewAccountForm(request.POST or None, instance=get_user_model()(email=invitation.email))
    error = ""
    if request.method == "POST" and mode in ("join", "new-account"):
        try:
            if mode == "join":
                # "join" is chosen only for a signed-in user; the test narrows the type for the checker.
                membership = invitation_accept(
                    token=token, user=request.user if request.user.is_authenticated else None
                )
            elif form is not None and form.is_valid():
                membership = invitation_accept(
                    token=token, username=form.cleaned_data["username"], password=form.cleaned_data["password1"]
                )
                # Named: the lockout backend comes first in AUTHENTICATION_BACKENDS and signs no one in.
                login(request, membership.user, backend="accounts.backends.UsernameOrEmailBackend")
            else:
                membership = None
        except IssuerError as exc:
            error = str(exc)
        else:
            if membership is not None:
                messages.success(
                    request,
                    gettext("Welcome to %(issuer)s: you are %(role)s.")
                    % {"issuer": membership.issuer.name, "role": membership.get_role_display()},
                )
                return redirect("issuer:dashboard", membership.issuer.slug)
    return render(
        request,
        "issuer/invitation_accept.html",
        {
            "invitation": invitation,
            "role": role_in_sentence(invitation.role),
            "mode": mode,
            "form": form,
            "error": error,
        },
    )


# Audit log --------------------------------------------------------------------------------------


@require_safe
@issuer_required(Action.VIEW)
def audit(request: AuthenticatedHttpRequest, issuer: Issuer) -> HttpResponse:
    """The audit log in sentences, 50 a page, filtered by the query string. The filters that are valid apply even
    when another one is not; the page then says what is wrong and answers 400."""
    form = AuditFilterForm(request.GET or None, actors=audit_actors(issuer))
    valid = form.is_valid() if form.is_bound else True
    filters = form.filters() if form.is_bound else AuditFilters()
    events = audit_events(issuer, viewer=request.user, filters=filters)
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"nav": "audit", "form": form, "page": page, "lines": audit_lines(issuer, page.object_list)}
    return render(request, "issuer/audit.html", context, status=200 if valid else 400)
