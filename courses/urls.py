from django.urls import path

from . import views

app_name = "courses"

urlpatterns = [
    path("trainee/", views.trainee_home, name="trainee_home"),
    path("trainer/", views.trainer_home, name="trainer_home"),
    path("manage/", views.admin_home, name="admin_home"),
    path("manage/applications/", views.applications, name="applications"),
    path(
        "manage/applications/<int:application_id>/",
        views.application_decide,
        name="application_decide",
    ),
    path("programs/<slug:program_slug>/apply/", views.apply, name="apply"),
    path("applications/", views.my_applications, name="my_applications"),
    path("learn/lessons/<int:lesson_id>/read/", views.lesson_read, name="lesson_read"),
    path(
        "learn/lessons/<int:lesson_id>/checks/<str:check_id>/",
        views.check_submit,
        name="check_submit",
    ),
    path("learn/trainees/<int:enrolment_id>/checks/", views.check_attempts, name="check_attempts"),
    path(
        "learn/lessons/<int:lesson_id>/reflections/<str:prompt_id>/",
        views.reflection_save,
        name="reflection_save",
    ),
]
