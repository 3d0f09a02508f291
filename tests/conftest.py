import matplotlib

matplotlib.use("Agg")  # tests draw figures without a screen
import zlib

import numpy as np
import pytest


@pytest.fixture
def rng(request):
    """A generator of its own for each test, seeded from the test's name: a test's data do not
    depend on which tests ran before it, and differ from one test to the next."""
    return np.random.default_rng(zlib.crc32(request.node.name.encode()))
