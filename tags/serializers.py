from rest_framework import serializers

from tags.models import Tag


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name", "comment", "color", "is_archived", "created_at"]
        read_only_fields = ["created_at"]
