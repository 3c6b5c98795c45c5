from rest_framework import serializers

from accounts.models import User


class MeSerializer(serializers.ModelSerializer):
    can_write = serializers.BooleanField(read_only=True)

    class Meta:
        model = User
        fields = ("username", "role", "can_write")
