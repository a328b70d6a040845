"""Storage engine: page files with B-tree indexes, journalled atomic batches (see FORMAT.md)."""
