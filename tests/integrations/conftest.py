from tests.api.conftest import *  # noqa: F401,F403
