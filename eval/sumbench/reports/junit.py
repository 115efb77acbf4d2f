"""JUnit XML: one test case per document (scores in system-out) and one per gate.

Shape follows the Ant/Jenkins JUnit format the common consumers read: testsuites >
testsuite (name, tests, failures, errors, skipped, time, timestamp, hostname) >
testcase (name, classname, time) with optional failure and system-out. ElementTree
escapes every string; characters XML 1.0 cannot hold are replaced.
"""

from __future__ import annotations

import re
import socket
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from sumbench.gates import GateResult
from sumbench.records import RunResult, Score, Values
from sumbench.reports.columns import shown_delta

if TYPE_CHECKING:
    from sumbench.compare import Comparison

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return _XML_INVALID.sub("\ufffd", str(text))


def _suite(parent: ET.Element, name: str, timestamp: str,
           properties: dict[str, str] | None = None) -> ET.Element:
    suite = ET.SubElement(parent, "testsuite", {
        "name": _xml_text(name), "timestamp": timestamp[:19] or "1970-01-01T00:00:00",
        "hostname": _xml_text(socket.gethostname() or "localhost"),
        "tests": "0", "failures": "0", "errors": "0", "skipped": "0", "time": "0"})
    if properties:
        node = ET.SubElement(suite, "properties")
        for key, value in properties.items():
            ET.SubElement(node, "property", {"name": key, "value": _xml_text(value)})
    return suite


def _case(suite: ET.Element, classname: str, name: str, output: str,
          failure: str | None = None) -> None:
    case = ET.SubElement(suite, "testcase", {"name": _xml_text(name),
                                             "classname": _xml_text(classname), "time": "0"})
    if failure is not None:
        node = ET.SubElement(case, "failure", {"message": _xml_text(failure), "type": "gate"})
        node.text = _xml_text(failure)
    ET.SubElement(case, "system-out").text = _xml_text(output)
    suite.set("tests", str(int(suite.get("tests", "0")) + 1))
    if failure is not None:
        suite.set("failures", str(int(suite.get("failures", "0")) + 1))


def _finish(root: ET.Element) -> str:
    for attr in ("tests", "failures", "errors"):
        root.set(attr, str(sum(int(s.get(attr, "0")) for s in root)))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _document_line(name: str, values: Score | Values) -> str:
    if isinstance(values, Score):
        return (f"{name}: P={values.precision:.4f} R={values.recall:.4f} "
                f"F1={values.fmeasure:.4f}")
    return f"{name}: " + " ".join(f"{stat}={'-' if v is None else format(v, '.4f')}"
                                  for stat, v in values.as_dict().items())


def run_junit(result: RunResult, gates: list[GateResult]) -> str:
    root = ET.Element("testsuites", {"name": "sumbench"})
    stamp = str(result.timings.get("started_at", ""))
    docs = _suite(root, "sumbench.documents", stamp, {"sumbench.signature": result.signature})
    for d in result.documents:
        scores = "\n".join(_document_line(name, values) for name, values in d.scores.items())
        _case(docs, "sumbench.documents", d.id,
              f"{scores}\ntruncated: {d.generation.truncated}\n"
              f"prediction:\n{d.generation.prediction}")
    docs.set("time", str(result.timings.get("total_s", 0)))
    if gates:
        suite = _suite(root, "sumbench.gates", stamp)
        for g in gates:
            name = f"{g.gate.metric} {g.gate_on} {g.gate.op} {g.gate.bound}"
            _case(suite, "sumbench.gates", name, g.message, None if g.passed else g.message)
    return _finish(root)


def comparison_junit(comparison: Comparison) -> str:
    root = ET.Element("testsuites", {"name": "sumbench-compare"})
    base, new = comparison.signatures
    suite = _suite(root, "sumbench.compare", "", {"sumbench.signature.base": base,
                                                   "sumbench.signature.new": new})
    for m in comparison.metrics:
        d = m.delta
        text = (f"{m.metric}: base {m.base_mean:.4f}, new {m.new_mean:.4f}, delta "
                f"{shown_delta(d)}, p={d.p_value:.4f}: "
                f"{m.verdict}")
        _case(suite, "sumbench.compare", m.metric, text,
              text if m.verdict == "regressed" else None)
    return _finish(root)
