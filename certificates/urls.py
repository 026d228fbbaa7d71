from django.urls import path

from . import views

app_name = "certificates"

urlpatterns = [
    path("certificates/", views.mine, name="mine"),
    path("certificates/<int:certificate_id>/pdf/", views.certificate_pdf, name="pdf"),
    path("certificates/<int:certificate_id>/credential/", views.certificate_credential, name="credential"),
    path("manage/certificates/<int:certificate_id>/", views.certificate_detail, name="detail"),
    path("manage/certificates/<int:certificate_id>/revoke/", views.revoke, name="revoke"),
    path("manage/certificates/<int:certificate_id>/reissue/", views.reissue, name="reissue"),
    path("manage/cohorts/<int:cohort_id>/", views.cohort_matrix, name="cohort_matrix"),
    path("manage/cohorts/<int:cohort_id>/issue/", views.issue, name="issue"),
    path("verify/", views.verify_file, name="verify_file"),
    path("verify/<str:code>/", views.verify_code, name="verify"),
    path(".well-known/did.json", views.did_document, name="did_document"),
    path("credentials/verify", views.credentials_verify, name="credentials_verify"),
    path("credentials/status/<int:list_id>/", views.status_list, name="status_list"),
    path("credentials/achievements/<slug:program_slug>/", views.achievement, name="achievement"),
]
