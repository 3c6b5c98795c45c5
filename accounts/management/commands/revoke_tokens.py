from django.core.management.base import BaseCommand

from accounts.services import revoke_tokens


class Command(BaseCommand):
    help = "Revoke every token of USERNAME."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, username, **options):
        count = revoke_tokens(username)
        self.stdout.write(f"revoked {count} token(s) of {username}")
