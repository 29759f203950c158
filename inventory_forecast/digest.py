"""
The daily stock-risk digest: an e-mail (text and HTML, through Oscar's communication framework:
event type ``INVENTORY_FORECAST_DIGEST``, editable in Oscar's dashboard like its own) to every
active staff member who may see the forecasts and has not unsubscribed, listing the live alerts
that are new or worse than when a digest last reported them, worst first and most revenue at
risk first, each with a link to its SKU page.  Each risk is reported once, and again when it
worsens; snoozed alerts wait for their day.  Sent by the Celery beat task
``inventory_forecast.send_digest`` (daily).
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sites.models import Site
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_class

from oscar_insights.db import chunked

from . import replenishment
from .alerts import worse
from .models import DigestSubscription, StockRiskAlert

logger = logging.getLogger(__name__)

EVENT_CODE = "INVENTORY_FORECAST_DIGEST"
UNSUBSCRIBE_SALT = "inventory_forecast.digest.unsubscribe"


def due_alerts(today=None):
    """Live, unsnoozed alerts not reported yet or worse than when they were, worst first."""
    today = today or timezone.localdate()
    alerts = (StockRiskAlert.objects.exclude(status=StockRiskAlert.CLOSED)
              .exclude(snoozed_until__gt=today)
              .select_related("stockrecord__product__parent", "stockrecord__partner", "forecast"))
    due = [alert for alert in alerts.iterator(chunk_size=2000)
           if not alert.reported_risk or worse(alert.risk, alert.reported_risk)]
    due.sort(key=lambda a: (replenishment.ALERT_RISKS.index(a.risk),
                            -(a.forecast.revenue_at_risk if a.forecast else 0), a.pk))
    return due


def recipients():
    """Active staff with the permission to see forecasts, an address, and no unsubscribe."""
    User = get_user_model()
    # Django's model permissions: ModelBackend's, when it is among several backends.
    model_backend = "django.contrib.auth.backends.ModelBackend"
    backend = model_backend if model_backend in settings.AUTHENTICATION_BACKENDS else None
    users = User.objects.with_perm("inventory_forecast.view_skuforecast",
                                   include_superusers=True, backend=backend)
    off = DigestSubscription.objects.filter(subscribed=False).values("user_id")
    return list(users.filter(is_active=True, is_staff=True).exclude(email="")
                .exclude(pk__in=off).order_by("pk"))


def unsubscribe_token(user):
    return signing.dumps({"user": user.pk}, salt=UNSUBSCRIBE_SALT)


def user_of_token(token):
    """The user an unsubscribe token was made for, or None (forged, or the user is gone)."""
    try:
        pk = signing.loads(token, salt=UNSUBSCRIBE_SALT)["user"]
    except (signing.BadSignature, KeyError, TypeError):
        return None
    return get_user_model().objects.filter(pk=pk).first()


def base_url():
    """``INVENTORY_FORECAST_DIGEST_BASE_URL``, else https:// and the current site's domain."""
    from . import conf

    return (conf.DIGEST_BASE_URL or f"https://{Site.objects.get_current().domain}").rstrip("/")


def send_digest(today=None):
    """
    Send the digest to each recipient; mark the reported alerts.  Returns ``{"alerts": n,
    "sent": m}``; nothing is sent (and nothing marked) when no alert is due.  A recipient
    whose message fails is logged and skipped; the alerts are marked once one message went.
    """
    alerts = due_alerts(today)
    people = recipients()
    if not alerts or not people:
        return {"alerts": len(alerts), "sent": 0}
    Dispatcher = get_class("communication.utils", "Dispatcher")
    dispatcher = Dispatcher(logger=logger)
    root = base_url()
    rows = [{
        "alert": alert, "new": not alert.reported_risk,
        "title": alert.stockrecord.product.get_title(), "sku": alert.stockrecord.partner_sku,
        "partner": alert.stockrecord.partner.display_name, "risk": alert.get_risk_display(),
        "reason": alert.reason, "forecast": alert.forecast,
        "url": root + reverse("dashboard:inventory-forecast-sku",
                              args=[alert.stockrecord_id]),
    } for alert in alerts]
    sent = 0
    for user in people:
        context = {"user": user, "rows": rows, "new": sum(r["new"] for r in rows),
                   "worse": sum(not r["new"] for r in rows),
                   "list_url": root + reverse("dashboard:inventory-forecast-risk-list")
                   + "?alert=live",
                   "unsubscribe_url": root + reverse("dashboard:inventory-forecast-unsubscribe",
                                                     args=[unsubscribe_token(user)])}
        try:
            dispatcher.dispatch_user_messages(user, dispatcher.get_messages(EVENT_CODE, context))
            sent += 1
        except Exception:
            logger.exception("Stock-risk digest to user #%s failed", user.pk)
    if sent:
        with transaction.atomic():
            for risk in {alert.risk for alert in alerts}:
                ids = [alert.pk for alert in alerts if alert.risk == risk]
                for batch in chunked(ids):
                    # Conditional: a risk changed meanwhile is reported next time.
                    StockRiskAlert.objects.filter(pk__in=batch, risk=risk).update(
                        reported_risk=risk)
    return {"alerts": len(alerts), "sent": sent}


def set_subscribed(user, subscribed):
    DigestSubscription.objects.update_or_create(user=user, defaults={"subscribed": subscribed})


def is_subscribed(user):
    return not DigestSubscription.objects.filter(user=user, subscribed=False).exists()

