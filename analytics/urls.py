from django.urls import path

from analytics import views

app_name = "analytics"
urlpatterns = [
    path("manage/<slug:slug>/analytics.csv", views.analytics_csv, name="export"),
]
