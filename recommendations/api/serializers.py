"""Validation of events posted by headless storefronts."""

from datetime import timedelta

from django.utils import timezone
from rest_framework import serializers

from oscar_insights import plausible

from .. import conf
from ..models import Interaction

MAX_ID = 2**63 - 1  # the largest primary key any supported database stores

# Events a client may post; purchases come from orders only, never from clients.
POSTABLE = [choice for choice in Interaction.EVENT_TYPES if choice[0] != Interaction.PURCHASE]


class EventSerializer(serializers.Serializer):
    """
    One event.  ``product`` is a product id (``upc`` may be given instead); ``timestamp``
    defaults to now.  ``user`` and ``visitor_id`` may only be sent by trusted server clients
    (token holders with the ``recommendations.add_interaction`` permission); a browser's events
    belong to whoever is signed in, or to its visitor cookie.
    """

    type = serializers.ChoiceField(choices=POSTABLE)
    product = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    upc = serializers.CharField(required=False, max_length=64)
    quantity = serializers.IntegerField(required=False, min_value=1, max_value=100_000)
    value = serializers.DecimalField(required=False, max_digits=12, decimal_places=2, min_value=0)
    score = serializers.IntegerField(required=False, min_value=1, max_value=5)
    query = serializers.CharField(required=False, max_length=255, allow_blank=False)
    source = serializers.CharField(required=False, max_length=64, default="api")
    timestamp = serializers.DateTimeField(required=False)
    user = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    visitor_id = serializers.RegexField(r"^[0-9a-zA-Z_-]{8,32}$", required=False)

    def validate_timestamp(self, value):
        now = timezone.now()
        try:
            plausible.check_datetime(value, now)
        except plausible.Implausible as exc:
            raise serializers.ValidationError(
                f"Timestamp is implausible ({exc.reason}): from {plausible.earliest()} to now."
            ) from None
        if conf.RETENTION_DAYS is not None and value < now - timedelta(days=conf.RETENTION_DAYS):
            raise serializers.ValidationError(
                f"Timestamp is older than the retention period ({conf.RETENTION_DAYS} days)."
            )
        return value

    def validate(self, data):
        kind = data["type"]
        if kind == Interaction.SEARCH:
            if not data.get("query"):
                raise serializers.ValidationError({"query": "A search event needs its query."})
        elif "product" not in data and "upc" not in data:
            raise serializers.ValidationError({"product": "This event needs a product (id or upc)."})
        if kind == Interaction.REVIEW and "score" not in data:
            raise serializers.ValidationError({"score": "A review event needs its score (1-5)."})
        if kind != Interaction.REVIEW and "score" in data:
            raise serializers.ValidationError({"score": "Only review events carry a score."})
        trusted = self.context.get("trusted", False)
        for field in ("user", "visitor_id"):
            if field in data and not trusted:
                raise serializers.ValidationError(
                    {field: "Only server clients with the add_interaction permission may set this."}
                )
        if trusted and not data.get("user") and not data.get("visitor_id"):
            raise serializers.ValidationError("A server client must name the user or visitor_id.")
        return data
