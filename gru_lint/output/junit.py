"""``junit``: JUnit XML, one test suite per file with findings, one failing case per finding."""

from __future__ import annotations


def render(report) -> str:
    from xml.etree import ElementTree as ET

    findings = list(report.findings())
    root = ET.Element(
        "testsuites", name="gru-lint", tests=str(len(findings) or 1),
        failures=str(len(findings)), errors="0",
    )
    for outcome in report.outcomes:
        if not outcome.diagnostics:
            continue
        suite = ET.SubElement(
            root, "testsuite", name=outcome.display, tests=str(len(outcome.diagnostics)),
            failures=str(len(outcome.diagnostics)), errors="0",
        )
        classname = outcome.display[:-3] if outcome.display.endswith(".py") else outcome.display
        for diag in outcome.diagnostics:
            start = outcome.start(diag)
            case = ET.SubElement(
                suite, "testcase", name=f"org.gru-lint.{diag.code}",
                classname=classname.replace("/", "."), line=str(start.row),
                column=str(start.column),
            )
            failure = ET.SubElement(case, "failure", message=diag.message, type=diag.code)
            failure.text = f"{start.render(outcome.display)}: {diag.code} {diag.message}"
    if not findings:
        suite = ET.SubElement(root, "testsuite", name="gru-lint", tests="1", failures="0",
                              errors="0")
        ET.SubElement(suite, "testcase", name="org.gru-lint", classname="gru-lint")
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
