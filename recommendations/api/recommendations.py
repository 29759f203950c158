"""
The read API: the storefront blocks as JSON, for headless storefronts and apps.

``GET for-me/``, ``products/<id>/?kind=``, ``basket/?products=1,2``, ``trending/``,
``best-sellers/``; each takes ``limit`` (1 to ``RECOMMENDATIONS_TOP_N``).  The same read path as
the template tags (:func:`recommendations.blocks.recommend_many`): only products the shopper can
buy, never the ones asked about.  A shopper sees only their own list; staff with the
``recommendations.view_shopperrecommendation`` permission may ask for any customer
(``for-me/?user=<id>``).
"""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiParameter, extend_schema
from oscar.core.loading import get_model
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import blocks, conf
from ..models import ProductRecommendation
from .throttling import RecommendationReadThrottle

Product = get_model("catalogue", "Product")
Basket = get_model("basket", "Basket")
KINDS = [kind for kind, _label in ProductRecommendation.KINDS if kind != "also_viewed"]


class RecommendedProductSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="product.pk")
    title = serializers.CharField(source="product.get_title")
    url = serializers.SerializerMethodField()
    price = serializers.SerializerMethodField()
    currency = serializers.SerializerMethodField()
    available = serializers.SerializerMethodField()
    image = serializers.SerializerMethodField()
    reason = serializers.CharField()
    block = serializers.CharField()
    version = serializers.IntegerField(allow_null=True)

    def to_representation(self, item):
        # The strategy is asked once per product, for price, currency and availability.
        strategy = blocks.strategy_for(self.context["request"]._request)
        product = item.product
        self._purchase = (strategy.fetch_for_parent(product) if product.is_parent
                          else strategy.fetch_for_product(product))
        return super().to_representation(item)

    def get_url(self, item) -> str:
        return self.context["request"].build_absolute_uri(item.url)

    def get_price(self, item) -> str | None:
        price = self._purchase.price
        if not price.exists:
            return None
        return str(price.incl_tax if price.is_tax_known else price.excl_tax)

    def get_currency(self, item) -> str | None:
        price = self._purchase.price
        return price.currency if price.exists else None

    def get_available(self, item) -> bool:
        return self._purchase.availability.is_available_to_buy

    def get_image(self, item) -> str | None:
        image = item.product.primary_image()
        original = getattr(image, "original", None)
        if not original or not getattr(image, "pk", None):
            return None
        return self.context["request"].build_absolute_uri(original.url)


LIMIT = OpenApiParameter("limit", int, description="1 to RECOMMENDATIONS_TOP_N (default "
                         "RECOMMENDATIONS_BLOCK_SIZE)")


class BlockView(APIView):
    """One storefront block as a JSON list of products."""

    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [AllowAny]
    throttle_classes = [RecommendationReadThrottle]
    block = None

    def limit(self):
        raw = self.request.query_params.get("limit", "")
        if not raw:
            return conf.BLOCK_SIZE
        if not raw.isdigit() or not 1 <= int(raw) <= conf.TOP_N:
            raise ValidationError({"limit": f"A whole number from 1 to {conf.TOP_N}."})
        return int(raw)

    def items(self, **kwargs):
        return blocks.recommend(self.request._request, self.block, limit=self.limit(), **kwargs)

    def respond(self, items):
        data = RecommendedProductSerializer(items, many=True, context={"request": self.request})
        return Response({"block": self.block, "title": blocks.BLOCKS[self.block].title,
                         "results": data.data})

    @extend_schema(parameters=[LIMIT], responses=RecommendedProductSerializer(many=True))
    def get(self, request, *args, **kwargs):
        return self.respond(self.items(basket=Basket()))


class ForMeView(BlockView):
    """"Recommended for you": the shopper's own list (session, token or visitor cookie);
    staff with ``recommendations.view_shopperrecommendation`` may add ``?user=<id>``."""

    block = "for_you"

    @extend_schema(parameters=[LIMIT, OpenApiParameter("user", int, description="staff only")],
                   responses=RecommendedProductSerializer(many=True))
    def get(self, request, *args, **kwargs):
        raw = request.query_params.get("user")
        if raw is not None:
            if not raw.isdigit():
                raise ValidationError({"user": "A user id."})
            if not request.user.has_perm("recommendations.view_shopperrecommendation"):
                if not (request.user.is_authenticated and request.user.pk == int(raw)):
                    raise PermissionDenied("Only staff with the permission to view shoppers' "
                                           "recommendations may ask for another shopper's.")
            else:
                try:
                    request._request.recommendations_shopper = get_user_model().objects.get(
                        pk=int(raw))
                except get_user_model().DoesNotExist:
                    raise NotFound(f"No user {raw}.") from None
        return self.respond(self.items(basket=Basket()))


class ProductView(BlockView):
    """Products related to one product: ``kind`` is also_bought (default), bought_together or
    similar."""

    @extend_schema(parameters=[LIMIT, OpenApiParameter("kind", str, enum=KINDS)],
                   responses=RecommendedProductSerializer(many=True))
    def get(self, request, pk, *args, **kwargs):
        kind = request.query_params.get("kind", "also_bought")
        if kind not in KINDS:
            raise ValidationError({"kind": f"One of {', '.join(KINDS)}."})
        product = Product.objects.filter(pk=pk, is_public=True).first()
        if product is None:
            raise NotFound(f"No product {pk}.")
        self.block = kind
        return self.respond(self.items(product=product, basket=Basket()))


class BasketView(BlockView):
    """"You might also like" for a basket: ``products`` (comma-separated ids), else the
    shopper's own basket."""

    block = "basket"

    @extend_schema(parameters=[LIMIT, OpenApiParameter("products", str,
                                                       description="comma-separated ids")],
                   responses=RecommendedProductSerializer(many=True))
    def get(self, request, *args, **kwargs):
        raw = request.query_params.get("products")
        if raw is None:
            return self.respond(self.items())
        try:
            ids = {int(value) for value in raw.split(",") if value.strip()}
        except ValueError:
            raise ValidationError({"products": "Comma-separated product ids."}) from None
        if not ids or len(ids) > 100:
            raise ValidationError({"products": "From 1 to 100 product ids."})
        found = set(Product.objects.filter(pk__in=ids, is_public=True)
                    .values_list("pk", flat=True))
        if ids - found:
            raise NotFound(f"No product {', '.join(map(str, sorted(ids - found)))}.")
        return self.respond(self.items(basket=Basket(), basket_ids=ids))


class TrendingView(BlockView):
    """"Trending now": the products with the most recent buyers."""

    block = "trending"


class BestSellersView(BlockView):
    """"Best sellers": the products with the most buyers."""

    block = "best_sellers"
