"""
Writing an imported order history into Oscar's tables: products and stock records, customers,
orders and their lines (then :mod:`.cancellations`).  Everything in bulk, in the caller's
transaction.
"""

from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.sites.models import Site
from oscar.core.loading import get_model
from oscar.core.utils import slugify

from ..db import insert, lookup
from .cancellations import apply_cancellations
from .rows import CENT

COMPLETE = "Complete"


def _catalogue_entries(invoices):
    """Title and price per product code, from its purchase rows (see the module docstring)."""
    descriptions = defaultdict(Counter)
    prices = defaultdict(Counter)
    latest = {}
    for invoice in invoices.values():
        for row in invoice.lines:
            if row.description:
                descriptions[row.code][row.description] += 1
            prices[row.code][row.price] += 1
            if row.code not in latest or row.date >= latest[row.code][0]:
                latest[row.code] = (row.date, row.price)
    entries = {}
    for code, counter in prices.items():
        top = max(counter.values())
        candidates = {price for price, n in counter.items() if n == top}
        price = latest[code][1] if latest[code][1] in candidates else max(candidates)
        title = descriptions[code].most_common(1)[0][0].title() if descriptions[code] else f"Product {code}"
        entries[code] = (title[:255], price.quantize(CENT, ROUND_HALF_UP))
    return entries


def write(invoices, cancellations, options, report, progress):
    Product = get_model("catalogue", "Product")
    ProductClass = get_model("catalogue", "ProductClass")
    Partner = get_model("partner", "Partner")
    StockRecord = get_model("partner", "StockRecord")
    Order = get_model("order", "Order")
    Line = get_model("order", "Line")
    User = get_user_model()
    batch = options.batch_size

    existing_numbers = set(lookup(Order.objects.all(), "number", invoices))
    report.orders_already_imported = len(existing_numbers)
    new_invoices = [inv for number, inv in invoices.items() if number not in existing_numbers]

    # Catalogue: one product class, products and stock records for codes not seen before.
    product_class, _ = ProductClass.objects.get_or_create(
        name=options.product_class_name,
        defaults={"slug": slugify(options.product_class_name), "track_stock": True},
    )
    partner, _ = Partner.objects.get_or_create(name=options.partner_name)
    entries = _catalogue_entries(invoices)
    products = lookup(Product.objects.all(), "upc", entries)
    new_products = [
        Product(
            upc=code,
            title=title,
            slug=slugify(title) or code.lower(),
            product_class=product_class,
            structure=Product.STANDALONE,
        )
        for code, (title, _price) in sorted(entries.items())
        if code not in products
    ]
    for product in insert(Product, new_products, batch):
        products[product.upc] = product.id
    report.products_created = len(new_products)
    stockrecords = lookup(StockRecord.objects.filter(partner=partner), "partner_sku", entries)
    new_records = [
        StockRecord(
            product_id=products[code],
            partner=partner,
            partner_sku=code,
            price_currency=settings.OSCAR_DEFAULT_CURRENCY,
            price=price,
            num_in_stock=0,
        )
        for code, (_title, price) in sorted(entries.items())
        if code not in stockrecords
    ]
    for record in insert(StockRecord, new_records, batch):
        stockrecords[record.partner_sku] = record.id

    # Customers.
    customer_ids = {inv.customer for inv in invoices.values() if inv.customer}
    customer_ids.update(row.customer for row in cancellations if row.customer)
    usernames = {cid: f"customer-{cid}" for cid in customer_ids}
    users = lookup(User.objects.all(), "username", usernames.values())
    first_seen = {}
    for item in [*invoices.values(), *cancellations]:
        if item.customer and (item.customer not in first_seen or item.date < first_seen[item.customer]):
            first_seen[item.customer] = item.date
    new_users = [
        User(
            username=usernames[cid],
            email=f"customer-{cid}@{options.email_domain}",
            password=make_password(None),
            date_joined=first_seen[cid],
        )
        for cid in sorted(customer_ids)
        if usernames[cid] not in users
    ]
    for user in insert(User, new_users, batch):
        users[user.username] = user.id
    report.customers_created = len(new_users)

    # Orders and their lines.
    site_id = Site.objects.get_current().id
    currency = settings.OSCAR_DEFAULT_CURRENCY
    orders = []
    for inv in new_invoices:
        total = sum(
            ((row.price * row.quantity).quantize(CENT, ROUND_HALF_UP) for row in inv.lines),
            Decimal("0.00"),
        ) + inv.shipping
        orders.append(
            Order(
                number=inv.number,
                site_id=site_id,
                user_id=users[usernames[inv.customer]] if inv.customer else None,
                currency=currency,
                total_incl_tax=total,
                total_excl_tax=total,
                shipping_incl_tax=inv.shipping,
                shipping_excl_tax=inv.shipping,
                shipping_method="Postage" if inv.shipping else "Imported order",
                shipping_code="imported",
                status=COMPLETE,
                date_placed=inv.date,
                analytics_tracked=True,
            )
        )
    orders = list(insert(Order, orders, batch))
    report.orders_created = len(orders)
    def make_line(order, row):
        unit = row.price.quantize(CENT, ROUND_HALF_UP)
        line_price = (row.price * row.quantity).quantize(CENT, ROUND_HALF_UP)
        return Line(
            order_id=order.id,
            partner_id=partner.id,
            partner_name=partner.name,
            partner_sku=row.code,
            stockrecord_id=stockrecords[row.code],
            product_id=products[row.code],
            title=entries[row.code][0],
            upc=row.code,
            quantity=row.quantity,
            line_price_incl_tax=line_price,
            line_price_excl_tax=line_price,
            line_price_before_discounts_incl_tax=line_price,
            line_price_before_discounts_excl_tax=line_price,
            unit_price_incl_tax=unit,
            unit_price_excl_tax=unit,
            status=COMPLETE,
            num_allocated=0,
        )

    # Built lazily, batch by batch: half a million model instances at once would cost ~0.5 GB.
    line_objects = (make_line(order, row) for order, inv in zip(orders, new_invoices) for row in inv.lines)
    lines_progress = getattr(progress, "lines", None)
    report.order_lines_created = sum(1 for _ in insert(Line, line_objects, batch, lines_progress))

    apply_cancellations(cancellations, users, usernames, partner, report, batch)
    return [order.id for order in orders]

