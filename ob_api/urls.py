"""The Open Badges API under /ims/ob/v3p0/ (OB 3.0 §6); every other path there is an Imsx 404."""

from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.views import RevokeTokenView, TokenView

from ob_api import views
from ob_api.errors import not_found

app_name = "ob_api"
urlpatterns = [
    path("discovery", views.discovery, name="discovery"),
    path("register", views.register, name="register"),
    path("authorize", views.LearnerAuthorizationView.as_view(), name="authorize"),
    path("token", csrf_exempt(TokenView.as_view()), name="token"),
    path("revoke", csrf_exempt(RevokeTokenView.as_view()), name="revoke"),
    path("credentials", views.credentials, name="credentials"),
    path("profile", views.profile, name="profile"),
    re_path(r"^(?P<rest>.*)$", not_found),
]
