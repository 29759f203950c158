"""``manage.py export_shopper_events USER``: one shopper's events as JSON (right of access)."""

import json

from django.core.management.base import BaseCommand
from django.core.serializers.json import DjangoJSONEncoder

from recommendations.views import export_payload

from ._shopper import find_user


class Command(BaseCommand):
    help = "Print (or write to --output) every recorded event of one user, as JSON."

    def add_arguments(self, parser):
        parser.add_argument("user", help="user id, username or e-mail")
        parser.add_argument("--output", help="file to write instead of standard output")

    def handle(self, *args, **options):
        user = find_user(options["user"])
        text = json.dumps(export_payload(user), cls=DjangoJSONEncoder, indent=2)
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
            self.stderr.write(f"Wrote the events of user {user.pk} to {options['output']}.")
        else:
            self.stdout.write(text)
