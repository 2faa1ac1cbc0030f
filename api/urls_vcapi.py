"""/api/vc/: the W3C CCG VC-API (api.views_vcapi, D61)."""

from django.urls import path

from api import views_vcapi

app_name = "vcapi"

urlpatterns = [
    path("credentials/issue", views_vcapi.VcIssueCredentialApi.as_view(), name="issue"),
    path("credentials/verify", views_vcapi.VcVerifyCredentialApi.as_view(), name="verify"),
    path("credentials/status", views_vcapi.VcCredentialStatusApi.as_view(), name="status"),
    path("presentations/verify", views_vcapi.VcVerifyPresentationApi.as_view(), name="verify-presentation"),
]
