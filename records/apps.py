from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def retention_settings_check() -> None:
    """FISCAL_YEAR_START and RETENTION_TIME_ZONE are checked when Django starts: a malformed
    value stops the start-up with a message naming the setting, never a wrong date later."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from records.rules import fiscal_year_start_parse  # the rules import the models

    try:
        fiscal_year_start_parse(settings.FISCAL_YEAR_START)
    except ValueError as error:
        raise ImproperlyConfigured(str(error)) from error
    try:
        ZoneInfo(settings.RETENTION_TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ImproperlyConfigured(
            f"RETENTION_TIME_ZONE={settings.RETENTION_TIME_ZONE!r} is not an IANA time zone "
            "(e.g. America/Toronto)"
        ) from error


class RecordsConfig(AppConfig):
    name = "records"
    verbose_name = "Records"

    def ready(self) -> None:
        retention_settings_check()
