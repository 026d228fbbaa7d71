from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("manage/people/", views.people, name="people"),
    path("manage/people/<int:user_id>/", views.person_edit, name="person_edit"),
    path("manage/name-changes/", views.name_requests, name="name_requests"),
    path("manage/name-changes/<int:request_id>/", views.name_request_decide,
         name="name_request_decide"),
    path("me/name/", views.my_name, name="my_name"),
    path("me/profile/", views.profile, name="profile"),
]
