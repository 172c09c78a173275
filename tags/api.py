from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated

from aimsite.api import IsOwnerOrStaffOrReadOnly
from tags.models import Tag
from tags.serializers import TagSerializer


class TagViewSet(viewsets.ModelViewSet):
    queryset = Tag.objects.all()
    serializer_class = TagSerializer
    permission_classes = [IsAuthenticated, IsOwnerOrStaffOrReadOnly]
    filterset_fields = ["is_archived"]
    ordering_fields = ["name", "created_at"]

    def perform_create(self, serializer):
        serializer.save(owner=self.request.user)
