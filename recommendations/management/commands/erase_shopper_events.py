"""``manage.py erase_shopper_events USER``: delete one shopper's events (right to erasure)."""

from django.core.management.base import BaseCommand, CommandError

from recommendations import tracking

from ._shopper import find_user


class Command(BaseCommand):
    help = "Delete every recorded event of one user (their account and orders stay)."

    def add_arguments(self, parser):
        parser.add_argument("user", help="user id, username or e-mail")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, **options):
        user = find_user(options["user"])
        if not options["yes"]:
            answer = input(f"Delete every recorded event of user {user.pk} ({user.email})? [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                raise CommandError("Nothing deleted.")
        count = tracking.erase_shopper_events(user)
        self.stdout.write(f"Deleted {count} events of user {user.pk}.")
