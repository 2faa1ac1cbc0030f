from django.urls import path

from backpack import views

app_name = "backpack"
urlpatterns = [
    path("me/backpack/callback/", views.callback, name="callback"),
    path("me/backpack/<uuid:uuid>/", views.send, name="send"),
]
