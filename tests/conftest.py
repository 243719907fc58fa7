"""Shared fixtures: a small demo study file and its materialised run."""

from __future__ import annotations

import os

# Figures are rendered off-screen in tests and in CI.
os.environ.setdefault("MPLBACKEND", "Agg")
