"""The issuer's webhook pages: endpoints (list, create, edit, rotate the secret, delete, re-enable, send a test
event) and their recent deliveries. Owners only (Action.MANAGE_KEYS: a webhook secret is a key). Views are thin:
writes go through webhooks.services; endpoints are looked up within the issuer of the URL, so another issuer's
id is a 404. A secret is shown once, in the answer to the POST that made it, and never stored in clear."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from issuer.models import Issuer
from issuer.permissions import Action, issuer_required
from webhooks.forms import EndpointForm
from webhooks.models import WebhookEndpoint
from webhooks.services import (
    endpoint_create,
    endpoint_delete,
    endpoint_enable,
    endpoint_rotate_secret,
    endpoint_send_ping,
    endpoint_update,
)

RECENT_DELIVERIES = 25


def _endpoint(issuer: Issuer, uuid: Any) -> WebhookEndpoint:
    return get_object_or_404(WebhookEndpoint.objects.select_related("issuer"), issuer=issuer, uuid=uuid)


def _detail_page(
    request: HttpRequest, endpoint: WebhookEndpoint, *, form: EndpointForm | None = None, secret: str = ""
) -> HttpResponse:
    form = form or EndpointForm(initial={"url": endpoint.url, "events": endpoint.events})
    context = {
        "nav": "webhooks",
        "endpoint": endpoint,
        "form": form,
        "new_secret": secret,
        "deliveries": endpoint.deliveries.order_by("-created_at", "-id")[:RECENT_DELIVERIES],
    }
    return render(request, "webhooks/endpoint_detail.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@issuer_required(Action.MANAGE_KEYS)
def endpoint_list(request: AuthenticatedHttpRequest, issuer: Issuer) -> HttpResponse:
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        endpoint, secret = endpoint_create(
            issuer=issuer, url=form.cleaned_data["url"], events=form.cleaned_data["events"], actor=request.user
        )
        messages.success(request, gettext("The endpoint is registered. Copy its secret now: it is not shown again."))
        return _detail_page(request, endpoint, secret=secret)
    endpoints = WebhookEndpoint.objects.filter(issuer=issuer).order_by("created_at", "id")
    return render(request, "webhooks/endpoint_list.html", {"nav": "webhooks", "endpoints": endpoints, "form": form})


@require_http_methods(["GET", "HEAD", "POST"])
@issuer_required(Action.MANAGE_KEYS)
def endpoint_detail(request: AuthenticatedHttpRequest, issuer: Issuer, uuid: Any) -> HttpResponse:
    endpoint = _endpoint(issuer, uuid)
    if request.method != "POST":
        return _detail_page(request, endpoint)
    form = EndpointForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, endpoint, form=form)
    endpoint_update(
        endpoint=endpoint, url=form.cleaned_data["url"], events=form.cleaned_data["events"], actor=request.user
    )
    messages.success(request, gettext("The endpoint is saved."))
    return redirect("webhooks:endpoint-detail", issuer.slug, endpoint.uuid)


@require_POST
@issuer_required(Action.MANAGE_KEYS)
def endpoint_rotate(request: AuthenticatedHttpRequest, issuer: Issuer, uuid: Any) -> HttpResponse:
    endpoint = _endpoint(issuer, uuid)
    secret = endpoint_rotate_secret(endpoint=endpoint, actor=request.user)
    messages.success(
        request, gettext("A new secret signs every delivery from now on. Copy it now: it is not shown again.")
    )
    return _detail_page(request, endpoint, secret=secret)


@require_POST
@issuer_required(Action.MANAGE_KEYS)
def endpoint_remove(request: AuthenticatedHttpRequest, issuer: Issuer, uuid: Any) -> HttpResponse:
    endpoint = _endpoint(issuer, uuid)
    endpoint_delete(endpoint=endpoint, actor=request.user)
    messages.success(request, gettext("The endpoint %(url)s is deleted, with its deliveries.") % {"url": endpoint.url})
    return redirect("webhooks:endpoint-list", issuer.slug)


@require_POST
@issuer_required(Action.MANAGE_KEYS)
def endpoint_reenable(request: AuthenticatedHttpRequest, issuer: Issuer, uuid: Any) -> HttpResponse:
    endpoint = endpoint_enable(endpoint=_endpoint(issuer, uuid), actor=request.user)
    messages.success(request, gettext("The endpoint %(url)s receives events again.") % {"url": endpoint.url})
    return redirect("webhooks:endpoint-detail", issuer.slug, endpoint.uuid)


@require_POST
@issuer_required(Action.MANAGE_KEYS)
def endpoint_ping(request: AuthenticatedHttpRequest, issuer: Issuer, uuid: Any) -> HttpResponse:
    endpoint = _endpoint(issuer, uuid)
    endpoint_send_ping(endpoint=endpoint, actor=request.user)
    messages.info(request, gettext("A test event (ping) is on its way; its delivery is listed below."))
    return redirect("webhooks:endpoint-detail", issuer.slug, endpoint.uuid)
