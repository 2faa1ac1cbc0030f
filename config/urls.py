from django.contrib import admin
from django.urls import include, path

from config.views import home

urlpatterns = [
    path("", home, name="home"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("", include("issuer.urls")),
    path("", include("badges.urls")),
    path("", include("learners.urls")),
]
