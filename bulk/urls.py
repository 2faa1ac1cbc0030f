"""The issuer's bulk-award pages, under /manage/<slug>/bulk/ (bulk.views)."""

from django.urls import path

from bulk import views

app_name = "bulk"
urlpatterns = [
    path("manage/<slug:slug>/bulk/", views.bulk_list, name="bulk-list"),
    path("manage/<slug:slug>/bulk/new/", views.bulk_create, name="bulk-create"),
    path("manage/<slug:slug>/bulk/template.csv", views.bulk_template, name="bulk-template"),
    path("manage/<slug:slug>/bulk/<uuid:uuid>/", views.bulk_detail, name="bulk-detail"),
    path("manage/<slug:slug>/bulk/<uuid:uuid>/progress.json", views.bulk_progress, name="bulk-progress"),
    path("manage/<slug:slug>/bulk/<uuid:uuid>/results.csv", views.bulk_results, name="bulk-results"),
    path("manage/<slug:slug>/bulk/<uuid:uuid>/start/", views.bulk_start, name="bulk-start"),
    path("manage/<slug:slug>/bulk/<uuid:uuid>/pause/", views.bulk_pause, name="bulk-pause"),
    path("manage/<slug:slug>/bulk/<uuid:uuid>/cancel/", views.bulk_cancel, name="bulk-cancel"),
    path("manage/<slug:slug>/bulk/<uuid:uuid>/undo/", views.bulk_undo, name="bulk-undo"),
]
