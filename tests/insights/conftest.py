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
