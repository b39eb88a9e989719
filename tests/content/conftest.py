"""The domain files as loaded, shared by the router's tests."""
import pytest

from kcc.content.domains import load_dir
from tests.conftest import DOMAINS


@pytest.fixture(scope="module")
def specs():
    loaded, problems = load_dir(DOMAINS)
    assert not problems
    return loaded
