from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from tokens.services import api_token_create


class Command(BaseCommand):
    help = "Issue an API token for a user and print it (shown once: only its hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="cli", help="the device or program that will use it")

    def handle(self, *args, username, name, **options):
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None
        token, key = api_token_create(user=user, name=name)
        expiry = token.expiry.isoformat() if token.expiry else "never"
        self.stdout.write(f"{key}\n")
        self.stderr.write(f"token #{token.id} {name!r} for {username}, expires {expiry}")
