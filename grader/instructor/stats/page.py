"""The class page: one self-contained HTML file (inline CSS, pictures as data URIs, no script, nothing fetched) that
draws the class numbers for an instructor: labs, what to re-teach, exercises, students, alike submissions."""

from html import escape
from typing import Any

from grader.instructor.stats import figures
from grader.instructor.stats.tests_of import test_name

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 70em; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; margin-bottom: .2em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
.meta { color: #666; } nav a { margin-right: 1.2em; }
table { border-collapse: collapse; margin: .6em 0; } th, td { padding: .2em .6em; text-align: left; }
th { background: #f3f3f3; } td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
tr + tr td { border-top: 1px solid #eee; }
.problems li { color: #8a1c1c; } .notes li { color: #7a5a00; }
.exercise { margin: 1.2em 0; padding: .6em 1em; border: 1px solid #ddd; border-radius: 6px; }
.exercise h3 { margin: .2em 0 .4em; }
.bar { display: inline-block; height: .8em; background: #5c7cfa; vertical-align: middle; }
.bar.full { background: #2e7d32; }
.full { background: #e8f5e9; } .most { background: #fffde7; } .some { background: #fff3e0; }
.little { background: #ffebee; } .error { background: #eeeeee; color: #555; }
.legend span { padding: .1em .6em; margin-right: .4em; border-radius: 4px; }
.lead { background: #fff8e1; border-left: 4px solid #f9a825; padding: .6em 1em; }
img { max-width: 100%; } .figures { display: flex; flex-wrap: wrap; gap: 1em; align-items: flex-start; }
.figures img { max-width: 34em; }
"""
LEADS_NOT_PROOF = ("These are leads, not proof: identical wrong results or near-identical code can come from "
                   "working together as allowed, a shared tutorial, or chance. Talk to the students before drawing any "
                   "conclusion.")


def page(stats: dict[str, Any]) -> str:
    """The whole page for the class numbers `stats` (see grader.instructor.stats.command.class_stats)."""
    source = stats["source"]
    body = [f"<h1>Class statistics: {escape(source['folder'])}</h1>",
            f"<p class='meta'>{source['students']} students from {source['files']} report files; made by ipdl-lab "
            f"{escape(stats['kit']['version'])} at {escape(stats['kit']['generated_at'])}</p>",
            "<nav><a href='#labs'>Labs</a><a href='#reteach'>What to re-teach</a><a href='#exercises'>Exercises</a>"
            "<a href='#students'>Students</a><a href='#alike'>Alike submissions</a></nav>",
            notes_section(source), labs_section(stats), reteach_section(stats["reteach"]),
            exercises_section(stats["exercises"]), students_section(stats), alike_section(stats["alike"])]
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>Class statistics</title>"
            f"<style>{STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")


def notes_section(source: dict[str, Any]) -> str:
    """Files left out, and what the instructor should know about the reports used."""
    if not source["problems"] and not source["notes"]:
        return ""
    problems = "".join(f"<li><b>{escape(p['file'])}</b>: {escape(p['message'])}</li>" for p in source["problems"])
    notes = "".join(f"<li>{escape(note)}</li>" for note in source["notes"])
    return (f"<section id='notes'><h2>About these reports</h2><ul class='problems'>{problems}</ul>"
            f"<ul class='notes'>{notes}</ul></section>")


def labs_section(stats: dict[str, Any]) -> str:
    parts = ["<section id='labs'><h2>Labs</h2>"]
    for lab, numbers in stats["labs"].items():
        parts.append(f"<h3>{escape(lab)}: {escape(numbers['title'])} ({numbers['max_score']:g} points)</h3>"
                     f"<p>mean {numbers['mean']:g}, median {numbers['median']:g}, full marks "
                     f"{numbers['full_marks']} of {numbers['students']}</p>"
                     f"<div class='figures'><img alt='score distribution of {escape(lab)}' "
                     f"src='{figures.score_histogram(lab, numbers)}'>"
                     f"<img alt='share with full marks per exercise of {escape(lab)}' "
                     f"src='{figures.full_marks_chart(lab, stats['exercises'])}'></div>")
    return "".join(parts) + "</section>"


def reteach_section(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "<section id='reteach'><h2>What to re-teach</h2><p>No test failed.</p></section>"
    lines = "".join(f"<tr><td>{escape(r['exercise'])} {escape(r['function'])}</td><td>"
                    f"{escape(r['what']) if r['named'] else '<i>no hint:</i> ' + escape(r['what'])}</td>"
                    f"<td class='n'>{r['students']}</td></tr>" for r in rows)
    return ("<section id='reteach'><h2>What to re-teach</h2><p>The mistakes most students made, across exercises "
            "(unfinished exercises not counted, nor failures an earlier exercise explains).</p><table><tr>"
            f"<th>exercise</th><th>mistake</th><th class='n'>students</th></tr>{lines}</table></section>")


def rate_bar(rate: float | None) -> str:
    if rate is None:
        return ""
    full = " full" if rate == 1 else ""
    return f"<span class='bar{full}' style='width:{round(100 * rate) * 0.8:.0f}px'></span> {100 * rate:.0f}%"


def exercises_section(exercises: dict[str, dict[str, Any]]) -> str:
    return "<section id='exercises'><h2>Exercises</h2>" + "".join(
        exercise_block(exercise, entry) for exercise, entry in exercises.items()) + "</section>"


def exercise_block(exercise: str, entry: dict[str, Any]) -> str:
    tests = "".join(f"<tr><td>{escape(t['test'])}</td><td>{t['visibility']}</td><td class='n'>{t['passed']} / "
                    f"{t['graded']}</td><td>{rate_bar(t['pass_rate'])}</td></tr>" for t in entry["tests"])
    rates = ", ".join(f"{visibility} tests {100 * rate:.0f}% passed"
                      for visibility, rate in entry["pass_rate"].items() if rate is not None)
    return (f"<div class='exercise' id='{escape(exercise)}'><h3>{escape(exercise)} {escape(entry['name'])}: "
            f"{entry['max_score']:g} points, full marks {entry['full_marks']} of {entry['students']} "
            f"({100 * entry['full_marks_share']:.0f}%)</h3><p>{rates}</p>"
            f"<table><tr><th>test</th><th>visibility</th><th class='n'>passed</th><th>pass rate</th></tr>{tests}"
            f"</table>{failures_block(entry)}</div>")


def failures_block(entry: dict[str, Any]) -> str:
    parts = []
    if entry["hints"]:
        parts.append("<p><b>Hints that fired</b> (students, failed tests):</p><ol>" + "".join(
            f"<li>{escape(h['hint'])}: <b{who(h['who'])}>{students(h['students'])}</b> ({h['tests']} tests)</li>"
            for h in entry["hints"]) + "</ol>")
    if entry["errors_without_hint"]:
        parts.append("<p><b>Failures without a hint</b>, by kind:</p><ul>" + "".join(
            f"<li>{escape(e['kind'])}: <b{who(e['who'])}>{students(e['students'])}</b> ({e['tests']} tests)</li>"
            for e in entry["errors_without_hint"]) + "</ul>")
    if entry["unfinished"]:
        parts.append(f"<p>Not implemented yet: <span{who(entry['unfinished_who'])}>"
                     f"{students(entry['unfinished'])}</span>.</p>")
    return "".join(parts)


def students_section(stats: dict[str, Any]) -> str:
    labs = list(stats["labs"])
    header = "".join(f"<th class='n'>{escape(lab)}</th>" for lab in labs)
    rows = "".join(student_row(row, labs) for row in stats["students"])
    legend = ("<p class='legend'><span class='full'>full marks</span><span class='most'>70% or more</span>"
              "<span class='some'>30% or more</span><span class='little'>under 30%</span>"
              "<span class='error'>could not be graded</span></p>")
    return (f"<section id='students'><h2>Students</h2>{legend}<table><tr><th>student</th>{header}"
            f"<th class='n'>total</th><th class='n'>%</th><th>status</th></tr>{rows}</table></section>")


def student_row(row: dict[str, Any], labs: list[str]) -> str:
    name = escape(row["student"])
    if row.get("feedback_page"):
        name = f"<a href='{escape(row['feedback_page'])}'>{name}</a>"
    points = "".join(f"<td class='n'>{'' if row['labs'][lab] is None else format(row['labs'][lab], 'g')}</td>"
                     for lab in labs)
    status = escape(row["error"]) if row["status"] == "error" else ""
    return (f"<tr class='{row['completeness']}'><td>{name}</td>{points}<td class='n'>{row['total']:g} / "
            f"{row['max_total']:g}</td><td class='n'>{row['percent']:g}</td><td>{status}</td></tr>")


def who(students: list[str], most: int = 40) -> str:
    """A title attribute naming the students (shown when the pointer rests on the count)."""
    names = ", ".join(students[:most]) + (", ..." if len(students) > most else "")
    return f" title='{escape(names)}'"


def counted(count: int, noun: str) -> str:
    """`1 student`, `2 students`."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def students(count: int) -> str:
    return counted(count, "student")


def result_group(group: dict[str, Any]) -> str:
    """One group of identical wrong results: its students, and the tests they share (with who, where not all)."""
    tests = "".join(f"<li>{escape(test_name(t['test']))}" + (
        "" if len(t["students"]) == len(group["students"]) else f" ({escape(', '.join(t['students']))})") + "</li>"
        for t in group["tests"])
    return (f"<li><b>{escape(', '.join(group['students']))}</b>: the same wrong values in {len(group['tests'])} "
            f"tests<ul>{tests}</ul></li>")


def alike_section(alike: dict[str, Any]) -> str:
    groups = "".join(result_group(group) for group in alike["results"]) or "<li>none</li>"
    pairs = "".join(f"<tr><td>{escape(p['exercise'])}</td><td>{escape(' and '.join(p['students']))}</td>"
                    f"<td class='n'>{p['similarity']:.2f}</td></tr>" for p in alike["code"])
    code = (f"<table><tr><th>exercise</th><th>students</th><th class='n'>similarity</th></tr>{pairs}</table>"
            if pairs else "<p>No pair above the threshold.</p>")
    return (f"<section id='alike'><h2>Alike submissions</h2><p class='lead'>{escape(alike['note'])}</p>"
            f"<h3>Identical wrong results on the same inputs</h3><p>{escape(alike['results_rule'])}</p>"
            f"<ul>{groups}</ul><h3>Near-identical exercise code</h3><p>{escape(alike['code_rule'])}</p>"
            f"<p>{escape(alike['code_compared'])}</p>{code}</section>")
