from django.urls import path, re_path

from issuer import views, views_manage
from issuer.urls_settings import urlpatterns as settings_patterns

app_name = "issuer"
urlpatterns = [
    path("issuers/<slug:slug>/did.json", views.did_json, name="did-json"),
    # An issuer's colour as a stylesheet (issuer.branding): named by the colour itself, the same for every page.
    re_path(r"^brand/(?P<color>[0-9a-f]{6})\.css$", views.brand_css, name="brand-css"),
    path("manage/", views_manage.manage_index, name="manage-index"),
    path("manage/<slug:slug>/", views_manage.dashboard, name="dashboard"),
    *settings_patterns,
]
