"""Civilian-harm mitigation training simulator.

A living town loaded from an instructor's YAML scenario, a pure deterministic engine,
a trainee console, and scoring for after-action review. See README.md for a tour.
"""

__version__ = "0.1.0"
