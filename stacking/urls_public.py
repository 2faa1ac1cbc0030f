from django.urls import path

from stacking import views_public

app_name = "stacking-public"
urlpatterns = [
    path("credentials/<uuid:uuid>/clr", views_public.credential_clr, name="credential-clr"),
]
