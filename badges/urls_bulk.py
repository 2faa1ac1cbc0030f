from django.urls import path

from badges import views_bulk

urlpatterns = [
    path("manage/<slug:slug>/bulk/", views_bulk.bulk_list, name="bulk-list"),
    path("manage/<slug:slug>/bulk/new/", views_bulk.bulk_create, name="bulk-create"),
    path("manage/<slug:slug>/bulk/template.csv", views_bulk.bulk_template, name="bulk-template"),
    path("manage/<slug:slug>/bulk/<uuid:uuid>/", views_bulk.bulk_detail, name="bulk-detail"),
    path("manage/<slug:slug>/bulk/<uuid:uuid>/progress.json", views_bulk.bulk_progress, name="bulk-progress"),
    path("manage/<slug:slug>/bulk/<uuid:uuid>/results.csv", views_bulk.bulk_results, name="bulk-results"),
    path("manage/<slug:slug>/bulk/<uuid:uuid>/start/", views_bulk.bulk_start, name="bulk-start"),
    path("manage/<slug:slug>/bulk/<uuid:uuid>/pause/", views_bulk.bulk_pause, name="bulk-pause"),
    path("manage/<slug:slug>/bulk/<uuid:uuid>/cancel/", views_bulk.bulk_cancel, name="bulk-cancel"),
    path("manage/<slug:slug>/bulk/<uuid:uuid>/undo/", views_bulk.bulk_undo, name="bulk-undo"),
]
