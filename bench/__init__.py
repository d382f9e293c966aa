"""Benchmarks: each module's run() returns rows; `python -m bench` runs them all and writes bench/results.json."""
