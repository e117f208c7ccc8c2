"""The public API is typed and documented: every public function and class exported by
landscape_explorer, and every public name of the core modules that make up the engine."""
import dataclasses
import importlib
import inspect

import pytest

import landscape_explorer as le

ENGINE_MODULES = ["optimizers", "escape", "schedules", "simulate", "fused", "driver",
                  "validation", "cancel"]


def _public_members(cls):
    for name, member in vars(cls).items():
        if name.startswith("_") and name != "__init__":
            continue
        if isinstance(member, property):
            yield name, member.fget
        elif inspect.isfunction(member) or isinstance(member, (classmethod, staticmethod)):
            yield name, getattr(member, "__func__", member)


def _untyped(fn):
    sig = inspect.signature(fn)
    missing = [p.name for p in sig.parameters.values()
               if p.annotation is inspect.Parameter.empty and p.name not in ("self", "cls")]
    if sig.return_annotation is inspect.Signature.empty and fn.__name__ != "__init__":
        missing.append("return")
    return missing


def _problems(obj, where):
    out = []
    if inspect.isclass(obj):
        if not (obj.__doc__ or "").strip() or (dataclasses.is_dataclass(obj) and
                                               obj.__doc__.startswith(obj.__name__ + "(")):
            out.append(f"{where}: no docstring")
        for name, fn in _public_members(obj):
            if fn.__qualname__.split(".")[0] != obj.__name__:
                continue  # generated (dataclass __init__) or inherited
            if name != "__init__" and not (fn.__doc__ or "").strip():
                out.append(f"{where}.{name}: no docstring")
            if _untyped(fn):
                out.append(f"{where}.{name}: no type hints for {_untyped(fn)}")
    elif inspect.isfunction(obj):
        if not (obj.__doc__ or "").strip():
            out.append(f"{where}: no docstring")
        if _untyped(obj):
            out.append(f"{where}: no type hints for {_untyped(obj)}")
    return out


def _engine_public_names():
    for modname in ENGINE_MODULES:
        mod = importlib.import_module(f"landscape_explorer.core.{modname}")
        for name, obj in vars(mod).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != mod.__name__:
                continue
            if inspect.isclass(obj) or inspect.isfunction(obj):
                yield f"core.{modname}.{name}", obj


@pytest.mark.parametrize("name", le.__all__)
def test_top_level_name_is_typed_and_documented(name):
    assert _problems(getattr(le, name), f"le.{name}") == []


@pytest.mark.parametrize("where, obj", list(_engine_public_names()), ids=lambda v: v
                         if isinstance(v, str) else "")
def test_engine_name_is_typed_and_documented(where, obj):
    assert _problems(obj, where) == []


def test_package_ships_py_typed():
    from importlib.resources import files

    assert files("landscape_explorer").joinpath("py.typed").is_file()
