"""Every CLI test's subprocess runs with warnings as errors: a warning anywhere in a command
(numpy, Qt bindings, the standard library) ends it with a traceback, which the tests see."""
import pytest


@pytest.fixture(autouse=True)
def warnings_are_errors(monkeypatch):
    # Subprocesses inherit os.environ, including those given env=dict(os.environ, ...).
    monkeypatch.setenv("PYTHONWARNINGS", "error")
