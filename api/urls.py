"""/api/v1/: the integrator REST API (POST /api/v1/verify lives in badges, D17)."""

from django.urls import path, re_path

from api import views_bulk

app_name = "api"

JOB = "issuers/<slug:slug>/bulk-jobs/<uuid:uuid>"

urlpatterns = [
    path("issuers/<slug:slug>/bulk-jobs", views_bulk.BulkJobListCreateApi.as_view(), name="bulk-jobs"),
    path(JOB, views_bulk.BulkJobDetailApi.as_view(), name="bulk-job-detail"),
    path(f"{JOB}/rows", views_bulk.BulkJobRowsApi.as_view(), name="bulk-job-rows"),
    path(f"{JOB}/results", views_bulk.BulkJobResultsApi.as_view(), name="bulk-job-results"),
    path(f"{JOB}/start", views_bulk.BulkJobStartApi.as_view(), name="bulk-job-start"),
    path(f"{JOB}/pause", views_bulk.BulkJobPauseApi.as_view(), name="bulk-job-pause"),
    path(f"{JOB}/cancel", views_bulk.BulkJobCancelApi.as_view(), name="bulk-job-cancel"),
    path(f"{JOB}/undo", views_bulk.BulkJobUndoApi.as_view(), name="bulk-job-undo"),
    # Last: any other path under /api/v1/ is a problem body, not the site's HTML 404 page.
    re_path(r"^.*$", views_bulk.NotFoundApi.as_view(), name="not-found"),
]
