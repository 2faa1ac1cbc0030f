from django.urls import path

from badges import views_endorsements

urlpatterns = [
    path("manage/<slug:slug>/endorsements/", views_endorsements.endorsement_list, name="endorsement-list"),
    path("manage/<slug:slug>/endorsements/new/", views_endorsements.endorsement_create, name="endorsement-create"),
    path("manage/<slug:slug>/endorsements/add/", views_endorsements.endorsement_import, name="endorsement-add"),
    path(
        "manage/<slug:slug>/endorsements/<uuid:uuid>/withdraw/",
        views_endorsements.endorsement_revoke,
        name="endorsement-withdraw",
    ),
    path(
        "manage/<slug:slug>/endorsements/<uuid:uuid>/<slug:decision>/",
        views_endorsements.endorsement_decision,
        name="endorsement-decide",
    ),
]
