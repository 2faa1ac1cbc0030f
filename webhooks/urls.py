"""The issuer's webhook pages, under /manage/<slug>/webhooks/ (owners only)."""

from django.urls import path

from webhooks import views

app_name = "webhooks"
ENDPOINT = "manage/<slug:slug>/webhooks/<uuid:uuid>"
urlpatterns = [
    path("manage/<slug:slug>/webhooks/", views.endpoint_list, name="endpoint-list"),
    path(f"{ENDPOINT}/", views.endpoint_detail, name="endpoint-detail"),
    path(f"{ENDPOINT}/rotate/", views.endpoint_rotate, name="endpoint-rotate"),
    path(f"{ENDPOINT}/delete/", views.endpoint_remove, name="endpoint-delete"),
    path(f"{ENDPOINT}/enable/", views.endpoint_reenable, name="endpoint-enable"),
    path(f"{ENDPOINT}/ping/", views.endpoint_ping, name="endpoint-ping"),
]
