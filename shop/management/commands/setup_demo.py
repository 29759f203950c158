"""``manage.py setup_demo``: make the demo shop ready to browse; safe to run again."""

import secrets
import shutil
from pathlib import Path

import oscar
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from haystack.query import SearchQuerySet
from oscar.core.loading import get_model

DATA_FILE = Path(settings.BASE_DIR) / "data" / "online-retail" / "online_retail.csv.gz"
STAFF_EMAIL = "staff@example.com"


class Command(BaseCommand):
    help = (
        "Import the committed Online Retail order history (skipped when already imported), set "
        "demo stock levels, build the search index, add countries for checkout and a staff "
        "account, and print how to sign in."
    )

    def add_arguments(self, parser):
        parser.add_argument("--data", default=str(DATA_FILE), help="order-history CSV to import")
        parser.add_argument("--url", default="http://127.0.0.1:8000/", help="URL to print")

    def handle(self, *args, **options):
        Order = get_model("order", "Order")
        Country = get_model("address", "Country")
        if not Country.objects.exists():
            call_command("oscar_populate_countries", verbosity=0)
        self.copy_missing_image()
        if Order.objects.filter(shipping_code="imported").exists():
            self.stdout.write("Order history already imported: skipping the import.")
            imported = False
        else:
            call_command("import_order_history", options["data"], stdout=self.stdout)
            call_command("set_demo_stock_levels", stdout=self.stdout)
            imported = True
        # Purchase events for orders that have none (the import's signal did it for new ones).
        call_command("backfill_interactions", "--no-progress", stdout=self.stdout)
        if imported or not SearchQuerySet().all().count():
            call_command("rebuild_index", interactive=False, verbosity=0)
            self.stdout.write(f"Search index built: {SearchQuerySet().all().count():,} products.")
        # Recommendations to show from the start (beat retrains nightly).
        RecommenderVersion = get_model("recommendations", "RecommenderVersion")
        if not RecommenderVersion.objects.filter(status=RecommenderVersion.CURRENT).exists():
            self.stdout.write("Training recommendations (about 1.5 minutes) …")
            call_command("train_recommendations", stdout=self.stdout)
        ForecastRun = get_model("inventory_forecast", "ForecastRun")
        if not ForecastRun.objects.filter(status=ForecastRun.CURRENT).exists():
            self.stdout.write("Forecasting demand and stock risk (about 2 minutes) …")
            call_command("run_forecasts", stdout=self.stdout, stderr=self.stderr)
        email, password = self.staff_account()
        url = options["url"].rstrip("/")
        self.stdout.write(
            self.style.SUCCESS(
                f"\nThe shop: {url}/\nThe dashboard: {url}/dashboard/  "
                f"(staff e-mail {email}, password {password})\n"
            )
        )

    def copy_missing_image(self):
        """Oscar's thumbnailer needs its 'image not found' picture inside MEDIA_ROOT."""
        target = Path(settings.MEDIA_ROOT) / settings.OSCAR_MISSING_IMAGE_URL
        if not target.exists():
            source = Path(oscar.__file__).parent / "static" / "oscar" / "img" / "image_not_found.jpg"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)

    def staff_account(self):
        """Create the demo staff account once; its password is kept in var/ (never committed)."""
        credentials = Path(settings.VAR_DIR) / "staff-password.txt"
        User = get_user_model()
        user = User.objects.filter(email=STAFF_EMAIL).first()
        if user is None or not credentials.exists():
            password = secrets.token_urlsafe(12)
            if user is None:
                user = User(username="staff", email=STAFF_EMAIL)
            user.is_staff = user.is_superuser = True
            user.set_password(password)
            user.save()
            credentials.write_text(password + "\n")
            credentials.chmod(0o600)
        return STAFF_EMAIL, credentials.read_text().strip()
