from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _keep_sqlite_fulltext(sender, using="default", **kwargs):
    """A migration that rebuilds the request table on SQLite drops the FTS triggers (search.py)."""
    from django.db import connections

    from .search import install_sqlite_fts

    connection = connections[using]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM django_migrations WHERE app = %s AND name LIKE %s",
                ["disclosure", "%_request_fulltext_search"],
            )
            if cursor.fetchone() is None:
                return  # migrated backwards past the search migration: leave it removed
        install_sqlite_fts(connection)


class DisclosureConfig(AppConfig):
    name = "disclosure"
    verbose_name = _("依申请公开")

    def ready(self):
        from security import roles

        from .access import standing

        roles.register(standing)  # security's second factor and admin checks, without importing us
        post_migrate.connect(_keep_sqlite_fulltext, sender=self, dispatch_uid="disclosure_sqlite_fulltext")
