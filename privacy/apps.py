from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = "Data-subject requests"

    def ready(self) -> None:
        from privacy.selectors import subject_request_hold_q
        from retention.selectors import register_hold_condition

        # R-HOLD-2: an open data-subject request holds the person's chats.
        register_hold_condition(subject_request_hold_q)
