"""Reproducible performance workloads that print JSON."""
