"""Fixtures for the app tests: real OpenGL under pytest-xvfb (Mesa llvmpipe), isolated settings."""
import pytest

from app_helpers import bowl_state, scenario_dict

from landscape_explorer.app import prepare_qt

# Before pytest-qt makes the QApplication: shared GL contexts and a depth buffer.
prepare_qt()


@pytest.fixture(autouse=True)
def no_unexpected_modal_dialogs(monkeypatch):
    """A modal dialog waits for a person: in a test it would hang the suite. A test that opens
    one must patch it (monkeypatch its exec or the static QFileDialog/QMessageBox call)."""
    from PyQt6 import QtWidgets

    def refuse(what):
        def opened(*args, **kwargs):
            raise AssertionError(f"a modal {what} opened in a test: patch it")
        return opened

    monkeypatch.setattr(QtWidgets.QDialog, "exec", refuse("dialog"))
    for name in ("getSaveFileName", "getOpenFileName", "getExistingDirectory"):
        monkeypatch.setattr(QtWidgets.QFileDialog, name, refuse(f"QFileDialog.{name}"))
    for name in ("critical", "warning", "information", "question", "about"):
        monkeypatch.setattr(QtWidgets.QMessageBox, name, refuse(f"QMessageBox.{name}"))


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
