"""Benchmarks of Vínculo at a million customers (see bench/config.py, bench/RESULTS.md)."""
