from drf_spectacular.utils import extend_schema
from rest_framework.generics import RetrieveAPIView

from accounts.api.serializers import MeSerializer


class MeView(RetrieveAPIView):
    """The authenticated user and their role."""

    serializer_class = MeSerializer

    def get_object(self):
        return self.request.user

    @extend_schema(summary="Who am I")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
