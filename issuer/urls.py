from django.urls import path

from issuer import views, views_manage
from issuer.urls_settings import urlpatterns as settings_patterns

app_name = "issuer"
urlpatterns = [
    path("issuers/<slug:slug>/did.json", views.did_json, name="did-json"),
    path("manage/", views_manage.manage_index, name="manage-index"),
    path("manage/<slug:slug>/", views_manage.dashboard, name="dashboard"),
    *settings_patterns,
]
