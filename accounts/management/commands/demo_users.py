"""Demo accounts for `make demo`, and the banner with the URLs.

Development only: refuses to run with DEBUG off. The password and the wall token are kept in
var/demo (git-ignored, mode 600) so a second `make demo` prints the same ones.
"""

import secrets

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.choices import Role
from accounts.models import ApiToken
from accounts.services import ensure_user, issue_token

DEMO_USERS = {
    "operator": Role.OPERATOR,
    "supervisor": Role.SUPERVISOR,
    "planner": Role.PLANNER,
    "admin": Role.ADMIN,
}


class Command(BaseCommand):
    help = "Create the demo users and a wall token (DEBUG only) and print how to reach the server."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, port, host, **options):
        if not settings.DEBUG:
            raise CommandError("demo users are for development only (DEBUG is off)")
        folder = settings.VAR_DIR / "demo"
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        password_file = folder / "password"
        new_password = not password_file.exists()
        password = self._read_or_create(password_file, lambda: secrets.token_urlsafe(12))
        for username, role in DEMO_USERS.items():
            user = ensure_user(username, role)
            # Hashing is deliberately slow: only (re)set when the password is new or unset.
            if new_password or not user.has_usable_password():
                user.set_password(password)
                user.save(update_fields=["password"])

        token_file = folder / "wall_token"
        key = token_file.read_text().strip() if token_file.exists() else ""
        if not key or not ApiToken.objects.active().matching(key).exists():
            key = issue_token("wall", Role.WALL, name="demo wall").key
            self._write(token_file, key)

        base = f"http://{host}:{port}"
        self.stdout.write(
            "\n".join(
                [
                    "",
                    "Siaga 112 is serving:",
                    f"  app        {base}/",
                    f"  health     {base}/healthz",
                    f"  API docs   {base}/api/docs/   (schema: {base}/api/schema/)",
                    f"  admin      {base}/admin/",
                    f"  WebSocket  ws://{host}:{port}/ws/events/",
                    "",
                    f"Demo users (password for all: {password}): {', '.join(DEMO_USERS)}",
                    f"Wall token:  {key}",
                    f"Try:  curl -H 'Authorization: Token {key}' {base}/api/auth/me/",
                    "Stop everything with: make stop",
                    "",
                ]
            )
        )

    def _read_or_create(self, path, make):
        if path.exists():
            return path.read_text().strip()
        value = make()
        self._write(path, value)
        return value

    @staticmethod
    def _write(path, value):
        path.write_text(value + "\n")
        path.chmod(0o600)
