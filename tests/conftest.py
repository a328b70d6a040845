"""Pytest set-up shared by every test: the live marker's rule and common fixtures."""

from __future__ import annotations

import os

import pytest

IS_ROOT = os.geteuid() == 0


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Live tests need root (capture rights, network namespaces); as root they always run."""
    if IS_ROOT:
        return
    skip = pytest.mark.skip(reason="live test: needs root for capture and network namespaces")
    for item in items:
        if "live" in item.keywords:
            item.add_marker(skip)
