#!/usr/bin/env python
# Production settings unless DJANGO_SETTINGS_MODULE names others (the local demo:
# DJANGO_SETTINGS_MODULE=visible.config.settings.dev); `visible manage` does the same.
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "visible.config.settings.production")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
