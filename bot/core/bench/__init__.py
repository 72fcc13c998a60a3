"""Benchmark evidence: results read from what real tools write, compared with the merge base."""
