from rest_framework import serializers

from experiments.models import Experiment


class ExperimentSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.username", read_only=True, default=None)

    class Meta:
        model = Experiment
        fields = ["id", "name", "description", "owner", "created_at", "updated_at", "is_archived"]
        read_only_fields = ["created_at", "updated_at"]
