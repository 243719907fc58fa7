"""The package docstring's example runs as written."""

import doctest

import tfp


def test_package_example():
    result = doctest.testmod(tfp)
    assert result.attempted > 0 and result.failed == 0
