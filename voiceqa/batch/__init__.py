"""Batch scoring of a day's recordings: inputs, metadata, worker pool, storage, repeat calls."""
