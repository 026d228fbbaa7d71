#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    # Development unless told otherwise: a real site runs its commands with
    # DJANGO_SETTINGS_MODULE=config.settings.production (README, "Running it for real").
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
