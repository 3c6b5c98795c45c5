import pytest
from django.core.management import call_command


@pytest.fixture(scope="session")
def pekanbaru(django_db_setup, django_db_blocker):
    """The real Pekanbaru reference data, loaded once into the test database.

    Tests that use it take ``db`` (rolled back per test), so the data stays for the session;
    pytest-django runs transactional tests, which empty the tables, after these.
    """
    with django_db_blocker.unblock():
        call_command("load_pekanbaru", verbosity=0)
