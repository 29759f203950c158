"""Read-only admin of training runs: status, progress, duration, what was published and why."""

from django.contrib import admin

from .models import RecommenderVersion


@admin.register(RecommenderVersion)
class RecommenderVersionAdmin(admin.ModelAdmin):
    list_display = ("id", "status", "algorithm", "progress", "stage", "trigger", "started_at",
                    "duration_seconds", "shoppers", "products")
    list_filter = ("status", "trigger", "algorithm")
    readonly_fields = [field.name for field in RecommenderVersion._meta.fields]

    @admin.display(description="duration (s)")
    def duration_seconds(self, version):
        return round(version.duration)

    def has_add_permission(self, request):
        return False  # versions are made by training runs only

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # The serving version and a running one are not deleted by hand; pruning handles the rest.
        if obj is not None and obj.status in (RecommenderVersion.CURRENT, RecommenderVersion.RUNNING):
            return False
        return super().has_delete_permission(request, obj)
