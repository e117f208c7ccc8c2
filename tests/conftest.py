"""Test-wide settings."""
import os

# Tests that compare the two engines need the fused engine to run when they ask for it, not
# the numpy engine standing in while it compiles in the background (tests/core/
# test_background_compile.py tests that). Set here, so that the CLI's subprocesses inherit it.
os.environ.setdefault("LANDSCAPE_EXPLORER_WAIT_FOR_COMPILER", "1")
