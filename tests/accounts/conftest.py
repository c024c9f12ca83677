import pytest


@pytest.fixture
def eager_celery():
    """Run Celery tasks in the test process, for tests of a page rather than of the worker."""
    from config.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
