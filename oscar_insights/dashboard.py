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

from django.apps import apps
from django.urls import include, path
from oscar.core.application import OscarDashboardConfig

from . import conf


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
