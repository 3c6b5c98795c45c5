from django.core.management.base import BaseCommand, CommandError

from accounts.choices import Role
from accounts.services import issue_token


class Command(BaseCommand):
    help = "Create or update USERNAME with ROLE and print a new API token (alone, on stdout)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--name", default="", help="what the token is for, e.g. 'wall-1'")
        parser.add_argument(
            "--replace", action="store_true", help="revoke the user's earlier tokens"
        )

    def handle(self, username, role, name, replace, **options):
        username = username.strip()
        if not username or len(username) > 150:
            raise CommandError("USERNAME must be 1-150 characters")
        issued = issue_token(username, role, name=name, replace=replace)
        self.stdout.write(issued.key)
