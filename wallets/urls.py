"""The learner's "Add to wallet" page, and the OpenID4VCI Credential Issuer with its authorization server."""

from django.urls import path

from wallets import views

app_name = "wallets"
urlpatterns = [
    path("me/credentials/<uuid:uuid>/wallet/", views.offer, name="offer"),
    path(".well-known/openid-credential-issuer", views.issuer_metadata, name="issuer-metadata"),
    path(".well-known/oauth-authorization-server", views.authorization_server_metadata, name="as-metadata"),
    path("oid4vci/token", views.token, name="token"),
    path("oid4vci/nonce", views.nonce, name="nonce"),
    path("oid4vci/credential", views.credential, name="credential"),
]
