from django.urls import path

from . import views

app_name = "courses"

urlpatterns = [
    path("trainee/", views.trainee_home, name="trainee_home"),
    path("trainer/", views.trainer_home, name="trainer_home"),
    path("trainer/trainees/<int:enrolment_id>/", views.trainer_trainee, name="trainer_trainee"),
    path("manage/", views.admin_home, name="admin_home"),
]
