"""The house stays calm: no import circles, at most the one climbing import Django asks for
(`AppConfig.ready` connecting the workflow's receivers), and every import of a project module
inside a function says why it is there (bench/import_graph.py prints the same figures)."""

import importlib.util
from pathlib import Path

import pytest

GRAPH = Path(__file__).resolve().parent.parent / "bench" / "import_graph.py"


@pytest.fixture(scope="module")
def graph():
    spec = importlib.util.spec_from_file_location("import_graph", GRAPH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("rooms", [False, True], ids=["modules", "rooms"])
def test_import_graph_has_no_circles_and_one_climb(graph, rooms):
    result = graph.measure(rooms)
    assert result["circles"] == []
    assert [(c[0], c[2], c[5]) for c in result["climbing"]] == [("annual.apps", "annual.workflow", "inline")]


def test_import_graph_inline_imports_each_give_a_reason(graph):
    result = graph.measure(False)
    assert result["inline"], "the measure sees the late imports"
    assert [where for _, _, where in result["inline"] if not graph.has_reason(where)] == []
