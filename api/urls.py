"""/api/v1/: the integrator REST API (POST /api/v1/verify lives in badges, D17)."""

from django.urls import path, re_path

from api import views_achievements, views_bulk, views_credentials, views_issuer, views_lifecycle, views_stacking

app_name = "api"

ISSUER = "issuers/<slug:slug>"
JOB = f"{ISSUER}/bulk-jobs/<uuid:uuid>"
ACHIEVEMENT = f"{ISSUER}/achievements/<uuid:uuid>"
CREDENTIAL = f"{ISSUER}/credentials/<uuid:uuid>"
QUALIFICATION = f"{ISSUER}/qualifications/<uuid:uuid>"

urlpatterns = [
    path(ISSUER, views_issuer.IssuerApi.as_view(), name="issuer"),
    path(f"{ISSUER}/achievements", views_achievements.AchievementListCreateApi.as_view(), name="achievements"),
    path(ACHIEVEMENT, views_achievements.AchievementDetailApi.as_view(), name="achievement-detail"),
    path(f"{ACHIEVEMENT}/archive", views_achievements.AchievementArchiveApi.as_view(), name="achievement-archive"),
    path(
        f"{ACHIEVEMENT}/unarchive", views_achievements.AchievementUnarchiveApi.as_view(), name="achievement-unarchive"
    ),
    path(f"{ISSUER}/credentials", views_credentials.CredentialListCreateApi.as_view(), name="credentials"),
    path(CREDENTIAL, views_credentials.CredentialDetailApi.as_view(), name="credential-detail"),
    path(f"{CREDENTIAL}/revoke", views_credentials.CredentialRevokeApi.as_view(), name="credential-revoke"),
    path(f"{CREDENTIAL}/suspend", views_credentials.CredentialSuspendApi.as_view(), name="credential-suspend"),
    path(f"{CREDENTIAL}/unsuspend", views_credentials.CredentialUnsuspendApi.as_view(), name="credential-unsuspend"),
    path(f"{CREDENTIAL}/renew", views_lifecycle.CredentialRenewApi.as_view(), name="credential-renew"),
    path(f"{CREDENTIAL}/correct", views_lifecycle.CredentialCorrectApi.as_view(), name="credential-correct"),
    path(f"{CREDENTIAL}/resend", views_lifecycle.CredentialResendApi.as_view(), name="credential-resend"),
    path(f"{ISSUER}/qualifications", views_stacking.QualificationListCreateApi.as_view(), name="qualifications"),
    path(QUALIFICATION, views_stacking.QualificationDetailApi.as_view(), name="qualification-detail"),
    path(
        f"{QUALIFICATION}/deactivate",
        views_stacking.QualificationDeactivateApi.as_view(),
        name="qualification-deactivate",
    ),
    path(f"{QUALIFICATION}/progress", views_stacking.QualificationProgressApi.as_view(), name="qualification-progress"),
    path(f"{ISSUER}/bulk-jobs", views_bulk.BulkJobListCreateApi.as_view(), name="bulk-jobs"),
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
