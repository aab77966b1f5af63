"""Benchmarks: run with `make bench`, never as tests."""
