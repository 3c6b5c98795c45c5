#!/usr/bin/env python
"""Django's command-line utility for Siaga 112."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line
    from django.db.utils import OperationalError

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        # Missing or unsafe configuration: one line naming the setting, not a traceback.
        sys.exit(f"error: configuration: {exc}")
    except OperationalError as exc:
        from django.conf import settings

        from config.env import redact_url
        from config.errors import db_reason

        url = redact_url(settings.DATABASE_URL)
        sys.exit(f"error: database unreachable at {url}: {db_reason(exc)}")


if __name__ == "__main__":
    main()
