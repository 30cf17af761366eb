"""Seeded, realistic demo data (the five input kinds) and the truth to test the workbench against."""

from hssk.demo.generator import generate
from hssk.demo.truth import true_clusters, true_pairs

__all__ = ["generate", "true_clusters", "true_pairs"]
