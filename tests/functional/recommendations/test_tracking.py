"""Shopper behaviour recorded through Oscar's real views, with the test client."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from oscar.core.loading import get_model

from recommendations import conf
from recommendations.models import Interaction, TrackingPreference
from tests.factories import visitor_of

Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")
Country = get_model("address", "Country")
Order = get_model("order", "Order")

pytestmark = pytest.mark.django_db
VISITOR = conf.DEFAULTS["VISITOR_COOKIE_NAME"]
OPT_OUT = conf.DEFAULTS["OPT_OUT_COOKIE_NAME"]


@pytest.fixture
def mug(imported_history):
    product = Product.objects.get(upc="20001")
    StockRecord.objects.filter(product=product).update(num_in_stock=50)
    return product


@pytest.fixture
def shopper(db):
    return get_user_model().objects.create_user(
        username="ada", email="ada@example.com", password="correct horse battery"
    )


def live_events():
    """Events recorded by the views (the fixture's imported purchases excluded)."""
    return Interaction.objects.exclude(source="order_history").order_by("id")


def sign_in(client, email, password):
    response = client.post(
        reverse("customer:login"),
        {"login-username": email, "login-password": password, "login_submit": "Log In"},
    )
    assert response.status_code == 302, response.content[:500]
    return response


def test_anonymous_views_share_one_visitor_cookie(client, mug):
    first = client.get(mug.get_absolute_url())
    assert first.status_code == 200
    visitor = visitor_of(first.cookies)
    assert first.cookies[VISITOR]["httponly"] and first.cookies[VISITOR]["samesite"] == "Lax"
    second = client.get(mug.get_absolute_url())
    assert VISITOR not in second.cookies  # not set again
    events = list(live_events())
    assert [(e.event_type, e.product_id, e.user_id, e.visitor_id) for e in events] == [
        ("view", mug.pk, None, visitor),
        ("view", mug.pk, None, visitor),
    ]
    assert events[0].source == "product_page"


def test_click_in_a_recommendation_block_is_recorded_as_such(client, mug):
    client.get(mug.get_absolute_url() + "?rec=also_bought")
    event = live_events().get()
    assert (event.event_type, event.source) == ("rec_click", "also_bought")


def test_signed_in_views_belong_to_the_user(client, mug, shopper):
    client.force_login(shopper)
    client.get(mug.get_absolute_url())
    assert live_events().get().user == shopper


def test_anonymous_history_is_merged_on_login(client, mug, shopper):
    client.get(mug.get_absolute_url())
    client.post(reverse("basket:add", args=[mug.pk]), {"quantity": 3})
    visitor = visitor_of(client.cookies)
    sign_in(client, "ada@example.com", "correct horse battery")
    events = list(live_events())
    assert [(e.event_type, e.user_id, e.visitor_id) for e in events] == [
        ("view", shopper.pk, visitor),
        ("basket_add", shopper.pk, visitor),
    ]
    assert events[1].quantity == 3


def test_another_visitors_history_is_not_merged(client, mug, shopper):
    from django.test import Client

    other = Client()
    other.get(mug.get_absolute_url())
    client.get(mug.get_absolute_url())
    sign_in(client, "ada@example.com", "correct horse battery")
    assert live_events().filter(user=shopper).count() == 1
    assert live_events().filter(user__isnull=True).count() == 1


def test_logout_forgets_the_visitor_id(client, mug, shopper):
    client.get(mug.get_absolute_url())
    sign_in(client, "ada@example.com", "correct horse battery")
    response = client.post(reverse("customer:logout"))
    assert response.cookies[VISITOR].value == ""  # deleted
    client.get(mug.get_absolute_url())
    last = live_events().last()
    assert last.user_id is None and last.visitor_id != live_events().first().visitor_id


def test_checkout_records_purchases_and_merges_anonymous_history(
    client, mug, shopper, django_capture_on_commit_callbacks
):
    Country.objects.create(iso_3166_1_a2="GB", name="United Kingdom", is_shipping_country=True)
    client.get(mug.get_absolute_url())  # anonymous
    visitor = visitor_of(client.cookies)
    client.force_login(shopper)  # a sign-in that sent no merge (no visitor cookie in its request)
    client.post(reverse("basket:add", args=[mug.pk]), {"quantity": 2})
    address = {
        "first_name": "Ada", "last_name": "Lovelace", "line1": "1 High Street",
        "line4": "London", "postcode": "N1 9GU", "country": "GB",
    }
    client.post(reverse("checkout:shipping-address"), address, follow=True)
    # Purchases are recorded once the order has committed.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("checkout:preview"), {"action": "place_order"}, follow=True)
    assert callbacks
    assert response.redirect_chain[-1][0] == reverse("checkout:thank-you")
    order = Order.objects.exclude(shipping_code="imported").get()
    purchase = live_events().get(event_type="purchase")
    assert (purchase.user, purchase.order, purchase.product, purchase.quantity) == (shopper, order, mug, 2)
    assert purchase.value == order.lines.get().line_price_incl_tax
    assert purchase.visitor_id == visitor
    # The anonymous view before sign-in now belongs to the shopper too.
    assert not live_events().filter(user__isnull=True).exists()


def test_reviews_wishlists_and_searches_are_recorded(client, mug, shopper):
    client.force_login(shopper)
    review = client.post(
        reverse("catalogue:reviews-add", kwargs={"product_slug": mug.slug, "product_pk": mug.pk}),
        {"title": "Lovely", "score": 4, "body": "Holds tea well."},
    )
    assert review.status_code == 302
    wish = client.post(reverse("customer:wishlists-add-product", kwargs={"product_pk": mug.pk}))
    assert wish.status_code == 302
    client.get(reverse("search:search"), {"q": "red mug"})
    events = {e.event_type: e for e in live_events()}
    assert events["review"].score == 4 and events["review"].product == mug
    assert events["wishlist_add"].product == mug
    assert events["search"].query == "red mug" and events["search"].product is None
    assert all(e.user == shopper for e in events.values())


@pytest.mark.parametrize(
    "agent",
    [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "python-requests/2.31.0",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/120.0 Safari/537.36",
    ],
)
def test_bots_are_not_recorded(client, mug, agent):
    response = client.get(mug.get_absolute_url(), HTTP_USER_AGENT=agent)
    assert response.status_code == 200
    assert not live_events().exists()
    assert VISITOR not in response.cookies


def test_real_browsers_are_recorded(client, mug):
    agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
    client.get(mug.get_absolute_url(), HTTP_USER_AGENT=agent)
    assert live_events().count() == 1


@pytest.mark.parametrize("header", [{"HTTP_SEC_GPC": "1"}, {"HTTP_DNT": "1"}])
def test_global_privacy_control_and_do_not_track_are_honoured(client, mug, header):
    response = client.get(mug.get_absolute_url(), **header)
    assert not live_events().exists()
    assert VISITOR not in response.cookies


def test_gpc_can_be_ignored_by_setting(client, mug, settings):
    settings.RECOMMENDATIONS_HONOUR_GPC = False
    client.get(mug.get_absolute_url(), HTTP_SEC_GPC="1")
    assert live_events().count() == 1


def test_opt_out_in_the_account_stops_recording_everywhere(client, mug, shopper):
    from django.test import Client

    client.force_login(shopper)
    page = client.get(reverse("recommendations:account-privacy"))
    assert page.status_code == 200 and b"Stop recording my behaviour" in page.content
    response = client.post(reverse("recommendations:account-privacy"), {"action": "opt_out"})
    assert response.cookies[OPT_OUT].value == "1"
    assert TrackingPreference.objects.get(user=shopper).opted_out
    client.get(mug.get_absolute_url())
    client.post(reverse("basket:add", args=[mug.pk]), {"quantity": 1})
    # Another device, signed in, with no opt-out cookie: still not recorded.
    other = Client()
    other.force_login(shopper)
    other.get(mug.get_absolute_url())
    assert not live_events().exists()
    # The same browser after signing out stays opted out.
    client.post(reverse("customer:logout"))
    client.get(mug.get_absolute_url())
    assert not live_events().exists()


def test_opting_back_in_records_again(client, mug, shopper):
    client.force_login(shopper)
    client.post(reverse("recommendations:account-privacy"), {"action": "opt_out"})
    response = client.post(reverse("recommendations:account-privacy"), {"action": "opt_in"})
    assert response.cookies[OPT_OUT].value == ""
    client.get(mug.get_absolute_url())
    assert live_events().get().user == shopper


def test_an_opted_out_shopper_signing_in_drops_their_anonymous_history(client, mug, shopper):
    TrackingPreference.objects.create(user=shopper, opted_out=True)
    client.get(mug.get_absolute_url())  # anonymous, on a new device: recorded for now
    assert live_events().count() == 1
    response = sign_in(client, "ada@example.com", "correct horse battery")
    assert response.cookies[OPT_OUT].value == "1"
    assert not live_events().exists()


def test_shopper_downloads_and_erases_their_history(client, mug, shopper):
    client.force_login(shopper)
    client.get(mug.get_absolute_url())
    client.get(reverse("search:search"), {"q": "vase"})
    download = client.get(reverse("recommendations:account-export"))
    assert download["Content-Disposition"].startswith("attachment")
    payload = download.json()
    assert [e["event_type"] for e in payload["events"]] == ["view", "search"]
    assert payload["events"][0]["product_title"] == "Red Mug"
    client.post(reverse("recommendations:account-privacy"), {"action": "erase"})
    assert not Interaction.objects.filter(user=shopper).exists()


def test_deleting_a_user_deletes_their_events(client, mug, shopper):
    client.force_login(shopper)
    client.get(mug.get_absolute_url())
    assert Interaction.objects.filter(user=shopper).count() == 1
    shopper.delete()
    assert not live_events().exists()


def test_tracking_switched_off_records_nothing(client, mug, settings):
    settings.RECOMMENDATIONS_TRACKING_ENABLED = False
    response = client.get(mug.get_absolute_url())
    assert not live_events().exists()
    assert VISITOR not in response.cookies


def test_events_do_not_depend_on_the_broker(client, mug, monkeypatch):
    """The request path writes to the database only: with the broker gone, nothing is lost."""
    from celery import Celery
    from celery.app.task import Task

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(Task, "apply_async", broker_down)
    monkeypatch.setattr(Celery, "send_task", broker_down)
    client.get(mug.get_absolute_url())
    client.post(reverse("basket:add", args=[mug.pk]), {"quantity": 1})
    response = client.post(
        "/api/recommendations/events/", [{"type": "view", "product": mug.pk}],
        content_type="application/json",
    )
    assert response.status_code == 201
    assert [e.event_type for e in live_events()] == ["view", "basket_add", "view"]


def test_a_forged_visitor_cookie_claims_nothing(client, mug, shopper):
    from django.test import Client

    victim = Client()
    victim.get(mug.get_absolute_url())
    victim_id = visitor_of(victim.cookies)
    client.cookies[VISITOR] = victim_id  # unsigned copy of someone else's id
    client.get(mug.get_absolute_url())
    sign_in(client, "ada@example.com", "correct horse battery")
    # The forged id was ignored: ada's own view became hers, the victim's stays the victim's.
    assert [e.visitor_id == victim_id for e in live_events().filter(user=shopper)] == [False]
    assert live_events().filter(visitor_id=victim_id, user__isnull=True).count() == 1


def test_signing_in_starts_a_new_visitor_id(client, mug, shopper):
    client.get(mug.get_absolute_url())
    before = visitor_of(client.cookies)
    response = sign_in(client, "ada@example.com", "correct horse battery")
    assert response.cookies[VISITOR].value == ""  # dropped after the merge
    client.post(reverse("customer:logout"))
    client.get(mug.get_absolute_url())
    assert visitor_of(client.cookies) != before


def test_receivers_ignore_signals_sent_without_a_request(mug):
    # (Oscar's own history receiver needs a request, so call ours directly.)
    from recommendations import receivers

    receivers.record_product_view(sender=None, product=mug, user=None, request=None)
    receivers.record_basket_addition(sender=None, product=mug, user=None, request=None)
    assert not live_events().exists()


def test_staff_editing_someone_elses_wish_list_records_nothing(mug, shopper):
    from django.test import RequestFactory

    from recommendations.middleware import TrackingContext, _current

    WishList = get_model("wishlists", "WishList")
    wishlist = WishList.objects.create(owner=shopper, name="Gifts")
    staff = get_user_model().objects.create_user("staff2", "staff2@example.com", "pw", is_staff=True)
    for actor, expected in ((staff, 0), (shopper, 1)):  # e.g. an admin edit, then the owner
        request = RequestFactory().get("/")
        request.user = actor
        token = _current.set(TrackingContext(request))  # what the middleware does per request
        try:
            wishlist.lines.all().delete()
            wishlist.add(mug)
        finally:
            _current.reset(token)
        assert live_events().filter(event_type="wishlist_add").count() == expected


def test_a_tracked_product_view_costs_one_statement_written_after_the_response(client, mug, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.RECOMMENDATIONS_TRACKING_ENABLED = False
    client.get(mug.get_absolute_url())  # the page's recommendation blocks are cached now
    with CaptureQueriesContext(connection) as untracked:
        client.get(mug.get_absolute_url())
    settings.RECOMMENDATIONS_TRACKING_ENABLED = True
    with CaptureQueriesContext(connection) as tracked:
        response = client.get(mug.get_absolute_url())
    assert len(tracked) == len(untracked) + 1
    assert tracked[-1]["sql"].startswith("INSERT INTO")  # the last statement: after the response
    assert live_events().count() == 1
    assert response.status_code == 200


def test_a_failing_request_records_nothing(client, mug, settings, monkeypatch):
    """Deferred events of a request that raised are dropped, as a rolled-back write would be."""
    from oscar.apps.catalogue import views

    send_signal = views.ProductDetailView.send_signal

    def signal_then_fail(self, *args, **kwargs):
        send_signal(self, *args, **kwargs)  # the view event is queued ...
        raise RuntimeError("trouble after the signal")  # ... then the request fails

    monkeypatch.setattr(views.ProductDetailView, "send_signal", signal_then_fail)
    client.raise_request_exception = False
    response = client.get(mug.get_absolute_url())
    assert response.status_code == 500
    assert not live_events().exists()
