"""Paired datasets (clean, damaged, mask, labels) built from clean photos; contact sheets."""
from .build import SPLITS, BuildOptions, assign_splits, build, read_rows, write_manifest
from .preview import preview

__all__ = ["build", "BuildOptions", "assign_splits", "read_rows", "write_manifest", "preview",
           "SPLITS"]
