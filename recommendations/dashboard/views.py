"""Pages of the recommendations section of the dashboard: the published versions and their
evaluation, the events recorded, what the blocks earned, and "Retrain now"."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views import generic

from oscar_insights import runs
from oscar_insights.charts import chart_response
from oscar_insights.dashboard import RunProgressView, StartRunView, progress_url

from .. import conf, tasks
from ..models import RecommenderVersion
from . import charts, preview
from .forms import PreviewForm


class OverviewView(generic.TemplateView):
    template_name = "recommendations/dashboard/overview.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        current = runs.current(RecommenderVersion)
        versions = RecommenderVersion.objects.order_by("-started_at", "-pk")[:20]
        ctx.update(
            current=current, current_metrics=charts.version_metrics(current) if current else None,
            versions=[(v, charts.version_metrics(v)) for v in versions],
            ndcg_chart=charts.ndcg_chart(), events_chart=charts.events_chart(),
            attribution=charts.attribution_rows(),
        )
        ctx["progress_url"] = progress_url(self.request, "dashboard:recommendations-progress")
        return ctx


class VersionView(generic.DetailView):
    """One version: why it won, every candidate's NDCG, its parameters and stage timings."""

    model = RecommenderVersion
    template_name = "recommendations/dashboard/version.html"
    context_object_name = "version"

    def get_object(self, queryset=None):
        return get_object_or_404(RecommenderVersion, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["figures"] = charts.version_metrics(self.object)
        return ctx


class ChartView(generic.View):
    CHARTS = {"ndcg": charts.ndcg_chart, "events": charts.events_chart}

    def get(self, request, name):
        if name not in self.CHARTS:
            raise Http404("No such chart.")
        return chart_response(self.CHARTS[name]())


class StartTrainingView(StartRunView):
    """POST: queue a training run ("Retrain now") and follow it on the overview."""

    model = RecommenderVersion
    task = tasks.train_recommenders
    command = "train_recommendations"
    success_url = reverse_lazy("dashboard:recommendations-overview")

    @property
    def timeout(self):
        return conf.TRAINING_TIMEOUT
    queued_message = _("The training run is queued: its progress shows below.")


class TrainingProgressView(RunProgressView):
    model = RecommenderVersion


class PreviewView(generic.TemplateView):
    """Pick a customer (id or e-mail), a visitor id or a product (id or UPC): what each
    storefront block would show, with its reasons (:mod:`.preview`)."""

    template_name = "recommendations/dashboard/preview.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = ctx["form"] = PreviewForm(self.request.GET or None)
        if form.is_valid():
            data = form.cleaned_data
            if data.get("product"):
                ctx["subject"] = data["product"].get_title()
                ctx["pages"] = preview.product_preview(data["product"])
            else:
                ctx["subject"] = (data["customer"].email if data.get("customer")
                                  else data["visitor"])
                ctx["pages"] = preview.shopper_preview(data.get("customer"),
                                                       data.get("visitor", ""))
        return ctx
