from django.urls import path

from issuer import views_settings as views

urlpatterns = [
    path("manage/<slug:slug>/profile/", views.profile, name="profile"),
    path("manage/<slug:slug>/keys/", views.keys, name="keys"),
    path("manage/<slug:slug>/keys/rotate/", views.key_rotate, name="key-rotate"),
    path("manage/<slug:slug>/keys/<str:key_id>/compromise/", views.key_compromise, name="key-compromise"),
    path("manage/<slug:slug>/staff/", views.staff, name="staff"),
    path("manage/<slug:slug>/staff/invite/", views.staff_invite_view, name="staff-invite"),
    path("manage/<slug:slug>/staff/<int:membership_id>/role/", views.staff_role, name="staff-role"),
    path("manage/<slug:slug>/staff/<int:membership_id>/remove/", views.staff_remove, name="staff-remove"),
    path(
        "manage/<slug:slug>/staff/invitations/<int:invitation_id>/revoke/",
        views.staff_invitation_revoke,
        name="staff-invitation-revoke",
    ),
    path("manage/<slug:slug>/audit/", views.audit, name="audit"),
    path("invitations/<str:token>/", views.invitation_accept_view, name="invitation-accept"),
]
