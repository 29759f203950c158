"""Backfill, retention, right of access and erasure on the real database."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone
from oscar.core.loading import get_model

from oscar_insights.importing import import_order_history
from recommendations import tracking
from recommendations.models import Interaction, TrackingPreference

Order = get_model("order", "Order")
Product = get_model("catalogue", "Product")
User = get_user_model()

pytestmark = pytest.mark.django_db


def purchases():
    return Interaction.objects.filter(event_type="purchase").order_by("order__number", "product__upc")


def test_import_backfills_net_purchases_with_real_dates(imported_history):
    # 9 lines; 4 are fully cancelled (500001 blue mugs, 500002 red mugs, both lines of 500003).
    rows = [
        (e.order.number, e.product.upc, e.quantity, e.value, e.user.username if e.user else None)
        for e in purchases()
    ]
    assert rows == [
        ("500001", "20001", 3, Decimal("7.50"), "customer-10001"),  # 6 bought, 3 cancelled
        ("500002", "20003A", 2, Decimal("15.90"), "customer-10001"),
        ("500004", "20001", 1, Decimal("2.50"), None),
        ("500008", "20003A", 1, Decimal("7.95"), "customer-10002"),
        ("500009", "20001", 2, Decimal("5.00"), "customer-10003"),
    ]
    event = purchases().get(order__number="500008")
    assert event.created_at == Order.objects.get(number="500008").date_placed
    assert event.source == "order_history"


def test_backfill_is_idempotent(imported_history, small_history_path, django_capture_on_commit_callbacks):
    assert tracking.backfill_purchases() == 0
    with django_capture_on_commit_callbacks(execute=True):
        import_order_history(small_history_path)  # a re-import adds no order, so no event
    assert purchases().count() == 5


def test_erased_and_purged_events_do_not_come_back(imported_history):
    call_command("erase_shopper_events", "customer-10001", "--yes")
    call_command("backfill_interactions", "--no-progress")
    assert not purchases().filter(user__username="customer-10001").exists()
    User.objects.get(username="customer-10002").delete()  # orders stay, without a user
    call_command("backfill_interactions", "--no-progress")
    assert purchases().count() == 2  # 500004 (guest) and 500009 only


def test_backfill_skips_opted_out_users_and_checkout_orders(db, small_history_path, settings):
    from oscar.test.factories import create_order

    TrackingPreference.objects.create(
        user=User.objects.create_user("customer-10003", "c3@example.com"), opted_out=True
    )
    import_order_history(small_history_path)  # no on-commit here: nothing backfilled yet
    checkout_order = create_order()  # placed through a basket, like Oscar's checkout
    assert checkout_order.basket_id is not None
    call_command("backfill_interactions", "--no-progress")
    assert purchases().count() == 4
    assert not purchases().filter(user__username="customer-10003").exists()
    assert not purchases().filter(order=checkout_order).exists()


def test_backfill_leaves_out_orders_past_retention(db, small_history_path, settings):
    settings.RECOMMENDATIONS_RETENTION_DAYS = 365  # the 2011 history is older
    import_order_history(small_history_path)
    assert tracking.backfill_purchases() == 0
    settings.RECOMMENDATIONS_RETENTION_DAYS = None
    assert tracking.backfill_purchases() == 0  # dealt with once: not revisited


def test_purge_deletes_only_events_past_retention(imported_history, settings):
    settings.RECOMMENDATIONS_RETENTION_DAYS = 30
    mug = Product.objects.get(upc="20001")
    fresh = Interaction.objects.create(event_type="view", visitor_id="v1", product=mug)
    imported = purchases().count()
    assert tracking.purge_expired() == imported  # the 2011 history is far older than 30 days
    assert list(Interaction.objects.all()) == [fresh]
    settings.RECOMMENDATIONS_RETENTION_DAYS = None
    Interaction.objects.filter(pk=fresh.pk).update(created_at=timezone.now() - timedelta(days=10_000))
    assert tracking.purge_expired() == 0


def test_export_command_prints_one_users_events_only(imported_history, capsys):
    call_command("export_shopper_events", "customer-10001@customers.invalid")
    payload = json.loads(capsys.readouterr().out)
    assert payload["user"]["email"] == "customer-10001@customers.invalid"
    assert [(e["order_id"], e["quantity"]) for e in payload["events"]] == [
        (Order.objects.get(number="500001").pk, 3),
        (Order.objects.get(number="500002").pk, 2),
    ]
    assert {e["product_title"] for e in payload["events"]} == {"Red Mug", "Green Vase"}


def test_export_to_a_file(imported_history, tmp_path):
    target = tmp_path / "events.json"
    user = User.objects.get(username="customer-10002")
    call_command("export_shopper_events", str(user.pk), "--output", str(target))
    assert len(json.loads(target.read_text())["events"]) == 1


def test_erase_command(imported_history, capsys):
    call_command("erase_shopper_events", "customer-10001", "--yes")
    assert "Deleted 2 events" in capsys.readouterr().out
    assert not Interaction.objects.filter(user__username="customer-10001").exists()
    assert purchases().count() == 3  # other shoppers' events stay
    assert Order.objects.filter(user__username="customer-10001").count() == 2  # orders stay


def test_commands_reject_unknown_users(db):
    with pytest.raises(CommandError, match="No user"):
        call_command("export_shopper_events", "nobody@example.com")
    with pytest.raises(CommandError, match="No user"):
        call_command("erase_shopper_events", "42", "--yes")


def test_load_events_reads_the_log_for_training(imported_history):
    from recommendations.datasets import confidences, load_events

    mug = Product.objects.get(upc="20001")
    last_order = Order.objects.get(number="500009").date_placed
    Interaction.objects.create(
        event_type="review", visitor_id="abc", product=mug, score=4, created_at=last_order
    )
    log = load_events()
    events, reviews, now, purchases = log.events(), log.reviews, log.now, log.purchases()
    users = {u.username: f"u{u.pk}" for u in User.objects.all()}
    assert sorted((s, i, t) for s, i, t, _ in events if t == "purchase") == sorted([
        (users["customer-10001"], mug.pk, "purchase"),
        (users["customer-10001"], Product.objects.get(upc="20003A").pk, "purchase"),
        (users["customer-10002"], Product.objects.get(upc="20003A").pk, "purchase"),
        (users["customer-10003"], mug.pk, "purchase"),
    ])  # the guest order 500004 is left out
    assert reviews == {("vabc", mug.pk): 4}
    assert now == last_order
    # 500009 was placed at that moment: one undecayed purchase, weight 8.
    assert confidences(events, now)[(users["customer-10003"], mug.pk)] == pytest.approx(8.0)
    # Purchases carry their order for the hold-out's baskets.
    assert {(s, i, o) for s, i, _w, o in purchases} == {
        (s, i, Interaction.objects.get(event_type="purchase", user_id=int(s[1:]), product_id=i).order_id)
        for s, i, t, _ in events if t == "purchase"
    }
    assert all(o is not None for *_rest, o in purchases)


def test_load_events_leaves_out_shoppers_who_opted_out(imported_history):
    from recommendations.datasets import load_events
    from recommendations.tracking import set_opt_out

    buyer = User.objects.get(username="customer-10001")
    before = load_events()
    assert any(s == f"u{buyer.pk}" for s, *_ in before.events())
    set_opt_out(buyer, True)
    after = load_events()
    assert not any(s == f"u{buyer.pk}" for s, *_ in after.events())
    assert len(after.events()) < len(before.events())
