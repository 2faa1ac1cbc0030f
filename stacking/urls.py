"""The issuer's stacking pages, under /manage/<slug>/ (stacking.views)."""

from django.urls import path

from stacking import views

app_name = "stacking"
urlpatterns = [
    path("manage/<slug:slug>/qualifications/", views.qualification_list, name="qualification-list"),
    path("manage/<slug:slug>/qualifications/new/", views.qualification_create, name="qualification-create"),
    path("manage/<slug:slug>/qualifications/<uuid:uuid>/", views.qualification_edit, name="qualification-edit"),
    path(
        "manage/<slug:slug>/qualifications/<uuid:uuid>/apply/",
        views.qualification_apply,
        name="qualification-apply",
    ),
    path(
        "manage/<slug:slug>/qualifications/<uuid:uuid>/deactivate/",
        views.qualification_deactivate_view,
        name="qualification-deactivate",
    ),
    path("manage/<slug:slug>/partnerships/", views.partnership_list, name="partnership-list"),
    path("manage/<slug:slug>/partnerships/request/", views.partnership_create, name="partnership-request"),
    path(
        "manage/<slug:slug>/partnerships/<int:pk>/<slug:decision>/",
        views.partnership_decide,
        name="partnership-decide",
    ),
]
