from typing import Any, Literal

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema


class AutoSchema(SpectacularAutoSchema):
    """Names nested serializers after their view (STYLE §6 puts an InputSerializer inside each
    API class), so `LegalHoldReleaseApi.InputSerializer` becomes `LegalHoldReleaseApiInput`
    instead of colliding with every other `InputSerializer`."""

    def get_serializer_name(
        self, serializer: Any, direction: Literal["request", "response"]
    ) -> str:
        serializer_class = serializer if isinstance(serializer, type) else type(serializer)
        qualified = serializer_class.__qualname__
        if "." in qualified:
            return qualified.replace(".", "")
        return super().get_serializer_name(serializer, direction)
