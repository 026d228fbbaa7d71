from django.apps import AppConfig


class MyDataConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "mydata"
    verbose_name = "Download my record"
