"""Users in each role for the permission tests."""

import pytest


@pytest.fixture
def revops_user(django_user_model):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user("rhea", password="pw-rhea-123")
    user.groups.add(Group.objects.get(name="RevOps"))
    return user


@pytest.fixture
def leader_user(django_user_model):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user("lena", password="pw-lena-123")
    user.groups.add(Group.objects.get(name="Leadership"))
    return user


@pytest.fixture
def sales_user(django_user_model):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user("sam", password="pw-sam-123")
    user.groups.add(Group.objects.get(name="Sales"))
    return user


@pytest.fixture(autouse=True)
def fresh_insights_cache():
    """Give each test its own KPI cache keys, so a table cached by one test cannot serve another.

    A new key version is used instead of clear(), which on Redis would empty the
    whole database, Celery's messages included.
    """
    import time

    from django.core.cache import caches

    caches["insights"].version = time.time_ns()


@pytest.fixture(params=["memberships", "precomputed"])
def membership_source(request, monkeypatch):
    """Run a test twice: once reading the memberships and events, once reading what is precomputed from them.

    The precomputed run builds the segment combinations and the first touches
    after entry on first use. Both must give the same figures, because the
    precomputed tables are only a faster route to them.
    """
    if request.param == "precomputed":
        from insights import combinations, touches

        def build_when_stale():
            if not combinations.combinations_fresh():
                combinations.combinations_rebuild()
            return True

        def update_when_stale():
            if not touches.touch_figures_current():
                touches.touch_figures_update()
            return True

        monkeypatch.setattr(combinations, "combinations_ready", build_when_stale)
        monkeypatch.setattr(touches, "touch_figures_ready", update_when_stale)
    return request.param
