from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Migrate, compile translations and collect static files in one process (what `make "
        "setup` runs; one Python start instead of three keeps a second `make demo` quick)."
    )

    def handle(self, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("compilemessages", ignore_patterns=[".venv"], verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
