"""The API token page in the issuer's management area."""

from django.urls import path

from api import views_tokens

app_name = "api-ui"
urlpatterns = [
    path("manage/<slug:slug>/api-tokens/", views_tokens.token_list, name="tokens"),
    path("manage/<slug:slug>/api-tokens/<str:prefix>/revoke/", views_tokens.token_revoke_view, name="token-revoke"),
]
