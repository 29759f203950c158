"""
The apps' sections of Oscar's dashboard, the Oscar way: each is an ``OscarDashboardConfig``
sub-app with a ``permissions_map`` and ``get_urls()``.  Oscar's dashboard app lists its own
sub-apps in its ``get_urls()``; :class:`InsightsDashboardConfig` adds an installed section to
the dashboard's URLs when Django is ready (under ``dashboard/<url_prefix>``, in the
``dashboard`` namespace like Oscar's own), so a shop lists the section in ``INSTALLED_APPS`` and
in ``OSCAR_DASHBOARD_NAVIGATION`` and edits no ``urls.py``: Oscar's default ``access_fn`` then
shows each menu entry to the users its view lets in.  A shop that forks Oscar's dashboard and
includes the sections itself sets ``OSCAR_INSIGHTS_DASHBOARD_ATTACH = False``.
"""

from datetime import timedelta

from django.apps import apps
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import include, path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views import generic
from oscar.core.application import OscarDashboardConfig

from . import conf
from .background import enqueue


class InsightsDashboardConfig(OscarDashboardConfig):
    """A dashboard section of ours: set ``url_prefix`` (e.g. ``"forecasts/"``)."""

    default_auto_field = "django.db.models.BigAutoField"
    url_prefix = None

    def ready(self):
        self.configure_permissions()
        if conf.DASHBOARD_ATTACH:
            attach(self)

    def configure_permissions(self):
        """Set ``permissions_map`` (Oscar's sub-apps do it in ``ready()`` too)."""


def attach(section):
    """Add ``section``'s URLs to those of Oscar's dashboard app (forked or not)."""
    dashboard = apps.get_app_config("dashboard")
    urls_of_dashboard = dashboard.get_urls

    def get_urls():
        return [*urls_of_dashboard(), path(section.url_prefix, include(section.urls[0]))]

    dashboard.get_urls = get_urls


def partner_scope(queryset, user, partner_path=None):
    """
    ``queryset`` as ``user`` may see it, as Oscar's dashboard scopes partner users: staff see
    everything, anyone else only rows of partners they belong to (``partner_path``: the lookup
    from the queryset's model to the partner, e.g. ``"stockrecord__partner"``; None for a
    queryset of partners).
    """
    if user.is_staff:
        return queryset
    return queryset.filter(**{f"{partner_path}__users" if partner_path else "users": user})


def progress_of(model, after=None):
    """
    Where the newest run of ``model`` (a ``BackgroundRun``) is, for a page that polls it:
    ``{"state": "queued" | "running" | "done" | "failed", ...}``.  ``after``: the newest run's
    id when a run was asked for; until a newer run starts, the state is "queued".
    """
    runs = model.objects.order_by("-pk")
    if after is not None:
        runs = runs.filter(pk__gt=after)
    run = runs.first()
    if run is None:
        return {"state": "queued", "progress": 0, "stage": str(_("Waiting for a worker…"))}
    state = {model.RUNNING: "running", model.FAILED: "failed"}.get(run.status, "done")
    return {"state": state, "run": run.pk, "status": run.get_status_display(),
            "progress": 100 if state == "done" else run.progress,
            "stage": run.error[:300] if state == "failed" else run.stage}


def progress_url(request, url_name):
    """The progress JSON URL of the run a page follows (``?progress=<run id>``), or None."""
    after = request.GET.get("progress", "")
    return f"{reverse(url_name)}?after={int(after)}" if after.isdigit() else None


class RunProgressView(generic.View):
    """JSON: :func:`progress_of` the view's ``model`` (``?after=<run id>``)."""

    model = None

    def get(self, request, *args, **kwargs):
        try:
            after = int(request.GET["after"]) if request.GET.get("after") else None
        except ValueError:
            return JsonResponse({"error": "after: a run id (a whole number)."}, status=400)
        return JsonResponse(progress_of(self.model, after))


class StartRunView(generic.View):
    """
    POST: queue the view's ``task`` (a run of ``model``) with ``trigger="dashboard"`` and go
    back to ``success_url`` with ``?progress=<newest run id before>``, where the page follows
    the run live (``oscar_insights/run_progress.html``).  A run already running is followed
    instead; a broker that does not take the task is said, with the command to run instead.
    """

    http_method_names = ("post",)
    model = task = success_url = None
    command = ""
    queued_message = _("The run is queued: its progress shows below.")
    # Seconds without progress after which a running run is dead (the app's RUN_TIMEOUT): the
    # task queued then takes its lock over.
    timeout = 3 * 3600

    def post(self, request, *args, **kwargs):
        url = str(self.success_url)
        alive = timezone.now() - timedelta(seconds=self.timeout)
        running = self.model.objects.filter(status=self.model.RUNNING,
                                            heartbeat_at__gte=alive).order_by("-pk").first()
        if running is not None:
            messages.info(request, _("Run #%(run)s is already running (%(progress)s %%).")
                          % {"run": running.pk, "progress": running.progress})
            return redirect(f"{url}?progress={running.pk - 1}")
        newest = self.model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        if enqueue(self.task, kwargs={"trigger": "dashboard"}) is None:
            messages.error(request, _("The run could not be queued: no Celery broker is "
                                      "configured or it is unreachable. Run “python manage.py "
                                      "%(command)s” on the server instead.")
                           % {"command": self.command})
            return redirect(url)
        messages.success(request, self.queued_message)
        return redirect(f"{url}?progress={newest}")
