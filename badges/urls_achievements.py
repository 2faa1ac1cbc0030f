"""The issuer UI's achievement pages, under the issuer's management area."""

from django.urls import path

from badges import views_achievements as views

urlpatterns: list = [
    path("manage/<slug:slug>/achievements/", views.achievement_list, name="achievement-list"),
    path("manage/<slug:slug>/achievements/new/", views.achievement_create, name="achievement-create"),
    path("manage/<slug:slug>/achievements/preview/", views.markdown_preview, name="markdown-preview"),
    path("manage/<slug:slug>/achievements/<int:pk>/", views.achievement_detail, name="achievement-detail"),
    path("manage/<slug:slug>/achievements/<int:pk>/edit/", views.achievement_edit, name="achievement-edit"),
    path("manage/<slug:slug>/achievements/<int:pk>/archive/", views.achievement_archive, name="achievement-archive"),
]
