"""Mapping tables of the dataset recipes (CSV): dataset labels -> taxonomy behaviours and safety levels."""
