"""POST /api/recommendations/events/: a headless storefront's batch of shopper events."""

from django.contrib.auth import get_user_model
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from oscar.core.loading import get_model
from rest_framework import status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import conf, tracking
from ..middleware import TRACKING_OFF, context_for
from ..models import Interaction
from .parsers import BoundedJSONParser
from .serializers import EventSerializer
from .throttling import EventBatchThrottle

Product = get_model("catalogue", "Product")


class EventBatchView(APIView):
    """
    Body: a JSON list of events (or ``{"events": [...]}``), at most ``RECOMMENDATIONS_API_MAX_BATCH``.

    Every item is validated on its own: valid items are stored, invalid ones are returned with
    their index and reasons.  201 when at least one item was stored (or ignored because the shopper
    opted out), 400 when none was valid or the batch is malformed or too large.
    """

    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [AllowAny]
    throttle_classes = [EventBatchThrottle]
    parser_classes = [BoundedJSONParser]

    @extend_schema(request=EventSerializer(many=True),
                   responses={201: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT})
    def post(self, request, *args, **kwargs):
        token_client = isinstance(request.successful_authenticator, TokenAuthentication)
        if not token_client:
            # DRF checks CSRF for signed-in sessions only; anonymous visitors are identified by
            # a cookie too, so another site must not post events in their name either.
            SessionAuthentication().enforce_csrf(request._request)
        items = request.data.get("events") if isinstance(request.data, dict) else request.data
        if not isinstance(items, list) or not items:
            return Response(
                {"detail": "Send a non-empty JSON list of events, or {\"events\": [...]}."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        if len(items) > conf.API_MAX_BATCH:
            return Response(
                {"detail": f"A batch holds at most {conf.API_MAX_BATCH} events; this one has {len(items)}."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        trusted = token_client and request.user.has_perm("recommendations.add_interaction")
        if token_client and not trusted:
            raise PermissionDenied("This token lacks the recommendations.add_interaction permission.")

        valid, rejected = [], []
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                rejected.append({"index": index, "errors": {"non_field_errors": ["Not an object."]}})
                continue
            serializer = EventSerializer(data=item, context={"trusted": trusted})
            if serializer.is_valid():
                valid.append((index, serializer.validated_data))
            else:
                rejected.append({"index": index, "errors": serializer.errors})
        valid = self._resolve_products(valid, rejected)
        valid = self._resolve_users(valid, rejected, trusted)

        stored, ignored, why = self._store(request, valid, trusted)
        rejected.sort(key=lambda r: r["index"])
        body = {"stored": stored, "ignored": ignored, "rejected": rejected}
        if ignored:
            body["ignored_reason"] = why
        ok = stored or ignored
        return Response(body, status=status.HTTP_201_CREATED if ok else status.HTTP_400_BAD_REQUEST)

    def _resolve_products(self, valid, rejected):
        ids = {d["product"] for _, d in valid if "product" in d}
        upcs = {d["upc"] for _, d in valid if "upc" in d and "product" not in d}
        known_ids = set(Product.objects.filter(id__in=ids).values_list("id", flat=True))
        by_upc = dict(Product.objects.filter(upc__in=upcs).values_list("upc", "id"))
        kept = []
        for index, data in valid:
            if "product" in data and data["product"] not in known_ids:
                rejected.append({"index": index, "errors": {"product": [f"Unknown product id {data['product']}."]}})
            elif "upc" in data and "product" not in data and data["upc"] not in by_upc:
                rejected.append({"index": index, "errors": {"upc": [f"Unknown product upc {data['upc']!r}."]}})
            else:
                if "upc" in data and "product" not in data:
                    data["product"] = by_upc[data["upc"]]
                kept.append((index, data))
        return kept

    def _resolve_users(self, valid, rejected, trusted):
        if not trusted:
            return valid
        ids = {d["user"] for _, d in valid if "user" in d}
        known = set(get_user_model().objects.filter(id__in=ids).values_list("id", flat=True))
        kept = []
        for index, data in valid:
            if "user" in data and data["user"] not in known:
                rejected.append({"index": index, "errors": {"user": [f"Unknown user id {data['user']}."]}})
            else:
                kept.append((index, data))
        return kept

    def _store(self, request, valid, trusted):
        """``(stored, ignored, why the ignored were)``."""
        if not valid:
            return 0, 0, ""
        if trusted:
            if not conf.TRACKING_ENABLED:
                return 0, len(valid), TRACKING_OFF
            # A server client is no bot whatever its user agent; its users' opt-outs count.
            shoppers = [tracking.Shopper(d.get("user"), d.get("visitor_id", "")) for _, d in valid]
        else:
            context = context_for(request._request)
            shopper = context.shopper()
            if shopper is None:  # opted out, GPC/DNT, bot or tracking off
                return 0, len(valid), context.skip_reason
            shoppers = [shopper] * len(valid)
        opted_out = tracking.opted_out_user_ids({s.user_id for s in shoppers if s.user_id})
        now = timezone.now()
        events = [
            Interaction(
                event_type=d["type"],
                user_id=s.user_id,
                visitor_id=s.visitor_id or "",
                product_id=d.get("product"),
                quantity=d.get("quantity"),
                value=d.get("value"),
                score=d.get("score"),
                query=d.get("query", ""),
                source=d.get("source") or "api",
                created_at=d.get("timestamp") or now,
            )
            for (_, d), s in zip(valid, shoppers)
            if s.user_id not in opted_out
        ]
        Interaction.objects.bulk_create(events)
        ignored = len(valid) - len(events)
        return len(events), ignored, "their users opted out of tracking" if ignored else ""
