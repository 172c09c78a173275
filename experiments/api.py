from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated

from aimsite.api import IsOwnerOrStaffOrReadOnly
from experiments.models import Experiment
from experiments.serializers import ExperimentSerializer


class ExperimentViewSet(viewsets.ModelViewSet):
    queryset = Experiment.objects.select_related("owner")
    serializer_class = ExperimentSerializer
    permission_classes = [IsAuthenticated, IsOwnerOrStaffOrReadOnly]
    filterset_fields = ["is_archived"]
    ordering_fields = ["name", "created_at", "updated_at"]
    search_fields = ["name", "description"]

    def perform_create(self, serializer):
        serializer.save(owner=self.request.user)
