"""Benchmark scripts; each appends its results to bench/results/."""
