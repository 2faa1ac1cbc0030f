from django.urls import path

from badges import views_awards, views_lifecycle

urlpatterns = [
    path("manage/<slug:slug>/awards/", views_awards.award_list, name="award-list"),
    path("manage/<slug:slug>/awards/export.csv", views_awards.award_export, name="award-export"),
    path("manage/<slug:slug>/awards/new/", views_awards.award_create, name="award-create"),
    path("manage/<slug:slug>/awards/revoke/", views_awards.award_bulk_revoke, name="award-bulk-revoke"),
    path("manage/<slug:slug>/awards/<uuid:uuid>/", views_awards.award_detail, name="award-detail"),
    path("manage/<slug:slug>/awards/<uuid:uuid>/revoke/", views_awards.award_revoke, name="award-revoke"),
    path("manage/<slug:slug>/awards/<uuid:uuid>/suspend/", views_awards.award_suspend, name="award-suspend"),
    path("manage/<slug:slug>/awards/<uuid:uuid>/unsuspend/", views_awards.award_unsuspend, name="award-unsuspend"),
    path("manage/<slug:slug>/awards/<uuid:uuid>/renew/", views_lifecycle.award_renew, name="award-renew"),
    path("manage/<slug:slug>/awards/<uuid:uuid>/correct/", views_lifecycle.award_correct, name="award-correct"),
    path("manage/<slug:slug>/awards/<uuid:uuid>/resend/", views_lifecycle.award_resend, name="award-resend"),
]
