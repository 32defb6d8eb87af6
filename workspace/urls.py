from django.contrib import admin
from django.urls import path

from . import views

app_name = "workspace"

# Mounted at /admin/ before the admin itself: the home page takes the admin index's address.
urlpatterns = [
    path("", admin.site.admin_view(views.home), name="home"),
    path("board/", admin.site.admin_view(views.board), name="board"),
]
