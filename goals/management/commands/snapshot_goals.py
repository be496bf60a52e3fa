from django.core.management.base import BaseCommand

from goals.services import goals_snapshot


class Command(BaseCommand):
    help = "Write one periodic progress snapshot per active goal for the current period (idempotent)."

    def handle(self, *args, **options):
        written = goals_snapshot()
        self.stdout.write(f"{written} snapshot(s) written.")
