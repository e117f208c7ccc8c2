"""Where the bundled assets (example scenarios, the icon, gallery pictures) are.

They live in the repository's top-level ``assets/``. An installed wheel carries them inside the
package (pyproject maps ``assets/`` to ``landscape_explorer/assets``); an editable install or a
source checkout on ``sys.path`` reads them from the repository beside the package.
"""
from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]


def assets_dir() -> Path:
    """The folder holding ``scenarios/``, ``gallery/`` and ``icon.svg``."""
    for candidate in (_PACKAGE / "assets", _PACKAGE.parent / "assets"):
        if (candidate / "scenarios").is_dir():
            return candidate
    raise FileNotFoundError(
        f"the bundled assets are missing (looked in {_PACKAGE / 'assets'} and "
        f"{_PACKAGE.parent / 'assets'}): reinstall landscape-explorer")


def asset_path(*parts: str) -> Path:
    """Path of a bundled asset, e.g. ``asset_path("scenarios", "plateau.json")``."""
    return assets_dir().joinpath(*parts)
