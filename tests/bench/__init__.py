"""Benchmarks of ntc-tui (`make bench`): each comparison runs side by side in one process run."""
