from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from issuer.models import Issuer


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    issuers = Issuer.objects.annotate(credential_count=Count("credentials")).order_by("name")[:50]
    return render(request, "home.html", {"issuers": issuers})
