"""``manage.py import_order_history PATH``: import an order-history CSV into Oscar."""

import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from oscar_insights.importing import (
    ColumnNames,
    ImportAborted,
    ImportOptions,
    import_order_history,
)


class _Progress:
    """tqdm bars for reading rows and writing order lines (rows per second)."""

    def __init__(self, enabled):
        self.enabled = enabled
        self._rows = self._lines = None
        self._seen = 0

    def rows(self, n, final=False):
        if not self.enabled:
            return
        if self._rows is None:
            self._rows = tqdm(desc="Reading rows", unit=" rows", unit_scale=True)
        self._rows.update(n - self._seen)
        self._seen = n
        if final:
            self._rows.close()

    def lines(self, n):
        if not self.enabled:
            return
        if self._lines is None:
            self._lines = tqdm(desc="Writing order lines", unit=" lines", unit_scale=True)
        self._lines.update(n)

    def close(self):
        for bar in (self._rows, self._lines):
            if bar is not None:
                bar.close()


class Command(BaseCommand):
    help = (
        "Import an order-history CSV (gzip allowed) in the Online Retail layout: products, stock "
        "records, customers (no e-mails sent) and orders with their real dates.  Cancellation "
        "invoices are linked to the orders they cancel.  Re-running a file creates no duplicates."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="CSV file, plain or gzip-compressed")
        defaults = ColumnNames()
        for name in ColumnNames.__dataclass_fields__:
            parser.add_argument(
                f"--{name}-column",
                dest=f"{name}_column",
                default=getattr(defaults, name),
                help=f"name of the {name} column (default: %(default)s)",
            )
        parser.add_argument("--date-format", default=ImportOptions.date_format,
                            help="strptime format of the date column (default: %(default)s)")
        parser.add_argument("--timezone", default="",
                            help="time zone of the dates (default: settings.TIME_ZONE)")
        parser.add_argument("--partner", default="", help="partner (supplier) of the stock records")
        parser.add_argument("--batch-size", type=int, default=ImportOptions.batch_size)
        parser.add_argument("--no-progress", action="store_true", help="hide the progress bars")

    def handle(self, *args, **options):
        columns = ColumnNames(
            **{name: options[f"{name}_column"] for name in ColumnNames.__dataclass_fields__}
        )
        import_options = ImportOptions(
            columns=columns,
            date_format=options["date_format"],
            timezone=options["timezone"],
            partner_name=options["partner"],
            batch_size=options["batch_size"],
        )
        progress = _Progress(enabled=not options["no_progress"])
        started = time.perf_counter()
        try:
            report = import_order_history(options["path"], import_options, progress=progress)
        except ImportAborted as exc:
            raise CommandError(str(exc)) from exc
        finally:
            progress.close()
        elapsed = time.perf_counter() - started
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {options['path']} in {elapsed:.1f} s "
                f"({report.rows_read / max(elapsed, 1e-9):,.0f} rows/s)."
            )
        )
        if report.follow_up_errors:
            raise CommandError(
                f"The orders of {options['path']} are imported, but "
                f"{len(report.follow_up_errors)} step(s) after the import failed: "
                f"{'; '.join(report.follow_up_errors)}.  Nothing imported is lost: run the "
                "step again (manage.py backfill_interactions records the purchase events of "
                "orders that have none)."
            )
