"""Seeded, realistic demo data (the five input kinds) and the truth to test the workbench against."""

from hssk.demo.generator import generate
from hssk.demo.load import DEMO_NOTE, is_demo, load_demo
from hssk.demo.truth import true_clusters, true_pairs

__all__ = ["DEMO_NOTE", "generate", "is_demo", "load_demo", "true_clusters", "true_pairs"]
