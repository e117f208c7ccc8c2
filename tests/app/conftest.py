"""Fixtures for the app tests: real OpenGL under pytest-xvfb (Mesa llvmpipe), isolated settings."""
import pytest

from app_helpers import bowl_state, scenario_dict

from landscape_explorer.app import prepare_qt

# Before pytest-qt makes the QApplication: shared GL contexts and a depth buffer.
prepare_qt()


@pytest.fixture
def settings(tmp_path):
    from PyQt6 import QtCore

    return QtCore.QSettings(str(tmp_path / "settings.ini"), QtCore.QSettings.Format.IniFormat)


@pytest.fixture
def make_window(qtbot, settings):
    from landscape_explorer.app.main_window import MainWindow
    from landscape_explorer.app.model import AppModel

    def make(state=None, size=(1280, 800)):
        model = AppModel.from_dict(scenario_dict(state or bowl_state()))
        w = MainWindow(model=model, settings=settings, restore=False)
        qtbot.addWidget(w)
        w.resize(*size)
        w.show()
        qtbot.waitExposed(w)
        if w.view3d is not None:
            qtbot.waitExposed(w.view3d)
        qtbot.wait(50)
        return w

    return make


@pytest.fixture
def window(make_window):
    return make_window()
