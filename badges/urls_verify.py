from django.urls import path

from badges import api_verify, views_verify

urlpatterns = [
    path("verify", views_verify.verify_page, name="verify"),
    path("verify/<uuid:uuid>", views_verify.verify_our_credential, name="verify-credential"),
    path("api/v1/verify", api_verify.VerifyApi.as_view(), name="api-verify"),
]
