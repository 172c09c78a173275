"""The demo: realistic runs for a first look (`aimsite demo`), and one run that
trains live while `aimsite up --demo` serves (`live.py`).

Everything is written through the real ingest services (`runs/ingest.py`,
`media_tracks/services.py`), as the API would write it.
"""

import os

from django.contrib.auth import get_user_model


def demo_owner():
    """The administrator named by AIMSITE_ADMIN_USER, any superuser, or `demo`."""
    User = get_user_model()
    username = os.environ.get("AIMSITE_ADMIN_USER", "admin")
    user = (
        User.objects.filter(username=username).first()
        or User.objects.filter(is_superuser=True).first()
    )
    if user is None:
        user, created = User.objects.get_or_create(username="demo")
        if created:
            user.set_unusable_password()
            user.save()
    return user
