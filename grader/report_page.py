"""One self-contained HTML page of a grade report: the table of exercises and points, every failure with its
feedback, hint and pictures (inline base64 PNGs, no request leaves the page), and the hidden-tests line.

    page = render(report)                   # the JSON report python -m grader writes: every test
    page = render(report, hand_back=True)   # safe to hand back: hidden tests only counted per lab
    Path("feedback.html").write_text(page)

`render` is the one renderer: `python -m grader --html`, the batch's two pages per student (REPORTS/<id>.html and
REPORTS/feedback/<id>.html), Gradescope's html output (`failure_html`) and a notebook's check() use it.
"""

from html import escape
from pathlib import PurePath
from typing import Any

from grader.hidden_counts import hidden_counts, is_hidden
from grader.summary import failures_by_exercise, hidden_points_line, points

STYLE = """body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;color:#222}
table{border-collapse:collapse}td,th{padding:2px 10px;text-align:left}tr.lab{font-weight:bold;background:#eee}
.ok{color:#176b2c}.missing{color:#a31515}.failure{border-left:4px solid #a31515;margin:1em 0;padding:0 1em}
pre{white-space:pre-wrap;background:#f6f6f6;padding:.5em}.hint{background:#fff6d6;padding:.5em}
figure{display:inline-block;vertical-align:top;max-width:14em;margin:4px;text-align:center;font-size:small}
img{image-rendering:pixelated;border:1px solid #888}"""


def render(report: dict[str, Any], title: str = "Grade report", hand_back: bool = False) -> str:
    """The whole page for `report` (a grade report, or an error report of the batch). With `hand_back`, the page
    a student may be handed: public tests in full, each lab's hidden tests only as `hidden: N tests, P of Q
    points`, never their names, feedback or pictures."""
    who = escape(str(report.get("student") or "this student"))
    graded = str(report.get("target_path") or report.get("target", ""))
    graded = escape(PurePath(graded).name if hand_back else graded)  # the instructor's folders stay theirs
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(title)}</title>",
             f"<style>{STYLE}</style></head><body>", f"<h1>{escape(title)}</h1>"]
    if "error" in report:
        parts.append(f"<p class='missing'>The submission of {who} could not be graded: "
                     f"{escape(str(report['error']))}</p></body></html>")
        return "\n".join(parts)
    tests = report.get("tests", [])
    parts += [f"<p>Grade for {who}: {graded}</p>", table(report["grade"]), hidden_line(report)]
    if hand_back:
        parts.extend(f"<p class='hidden'>{escape(lab)} {escape(count.line())}</p>"
                     for lab, count in hidden_counts(tests).items())
        tests = [test for test in tests if not is_hidden(test)]
    parts.append("<h2>Failures</h2>")
    failures = failures_by_exercise(tests)
    if not failures:
        parts.append(f"<p>None: every {'public ' if hand_back else ''}test passed.</p>")
    for exercise_failures in failures.values():
        parts.extend(failure_html(test) for test in exercise_failures)
    parts.append("</body></html>")
    return "\n".join(parts)


def table(grade: dict[str, Any]) -> str:
    rows = ["<table><tr><th>exercise</th><th>function</th><th>points</th><th></th></tr>"]
    for lab, lab_grade in grade["labs"].items():
        rows.append(f"<tr class='lab'><td>{escape(lab)}</td><td></td><td>{points(lab_grade)}</td><td></td></tr>")
        for exercise, ex in lab_grade["exercises"].items():
            ok = ex["score"] == ex["max_score"]
            rows.append(f"<tr><td>{escape(exercise)}</td><td>{escape(ex['name'])}</td><td>{points(ex)}</td>"
                        f"<td class='{'ok' if ok else 'missing'}'>{'ok' if ok else 'points missing'}</td></tr>")
    percent = 100 * grade["score"] / grade["max_score"] if grade["max_score"] else 0.0
    rows.append(f"<tr class='lab'><td>Total</td><td></td><td>{points(grade)} ({percent:.0f}%)</td><td></td></tr>")
    return "\n".join(rows) + "</table>"


def hidden_line(report: dict[str, Any]) -> str:
    announced = report.get("hidden_tests")
    if announced and not announced["ran"] and announced["hidden_points"] > 0:
        return f"<p class='hidden'>{escape(hidden_points_line(announced))}</p>"
    return ""


def failure_html(test: dict[str, Any]) -> str:
    """One failed test: its name, feedback, hint and pictures."""
    meta = test.get("metadata", {})
    name = test["nodeid"].split("::")[-1]
    feedback = meta.get("feedback") or test.get("call", {}).get("longrepr") or test["outcome"]
    label = " (hidden test)" if is_hidden(test) else ""
    parts = [f"<div class='failure'><h3>{escape(meta.get('exercise', ''))} {escape(meta.get('function', ''))}: "
             f"{escape(name)}{label}</h3>", f"<pre>{escape(feedback)}</pre>"]
    if meta.get("hint"):
        parts.append(f"<p class='hint'>Hint: {escape(meta['hint'])}</p>")
    parts.extend(figure(picture) for picture in meta.get("pictures", []))
    return "\n".join(parts) + "</div>"


def figure(picture: dict[str, Any]) -> str:
    return (f"<figure><img alt='{escape(picture['title'])}' width='{picture['width']}' height='{picture['height']}' "
            f"src='data:image/png;base64,{picture['png_base64']}'><figcaption>{escape(picture['title'])}<br>"
            f"{escape(picture['scale'])}</figcaption></figure>")
