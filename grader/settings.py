"""The grader's options, declared once: `python -m grader` builds its flags from them (`--budget`), the pytest
plugin its `--grader-*` options (`--grader-budget`), and both read them into one `GradingSettings`.

    parser = argparse.ArgumentParser(); add_cli_options(parser)        # python -m grader [LAB ...] --budget 600
    settings = GradingSettings.from_values(vars(parser.parse_args()))
    pytest.main([..., "-p", "grader.plugin"], plugins=[GivenSettings(settings, resolve_target(settings.target))])
"""

import argparse
from collections.abc import Callable, Mapping
from dataclasses import Field, dataclass, field, fields
from pathlib import Path
from typing import Any

import pytest

from grader.budget import Budget, SharedSeconds
from grader.selection import canonical_names
from grader.target import Target
from grader.worker.limits import GB, Limits

LIMITS = "limits on the student's code"  # the options' group in `python -m grader --help`


def option(default: Any, help: str, *, group: str = "grading", type: type | None = None,
           parse: Callable[[Any], Any] | None = None, positional: str = "", internal: bool = False) -> Any:
    """A settings field that is also an option: its help, its --help group, the type of its value (the
    default's type unless given), how a value becomes the field (`parse`), a positional name on the CLI's
    command line (`LAB`), and whether the CLI's --help leaves it out (`internal`)."""
    metadata = {"help": help, "group": group, "type": type, "parse": parse, "positional": positional,
                "internal": internal}
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class GradingSettings:
    """What one grading run grades and how it confines the student's code: one field per option."""

    select: tuple[str, ...] = option((), "labs or exercises to grade: lab1, 1, lab1_convolution, lab1.3 "
                                         "(default: all the target has)", parse=canonical_names, positional="LAB")
    target: str = option("labs", "labs, solutions, or a submission: a copy of labs/, a folder of lab folders, "
                                 "one lab folder, or a .zip of any of these (default: %(default)s)")
    student: str = option("", "student id written into the report")
    public_only: bool = option(False, "run only the tests students can see")
    budget: float = option(Budget.total_s, "seconds for all calls together (default: %(default)s)", group=LIMITS)
    test_timeout: float = option(Budget.per_test_s, "seconds for one test (default: %(default)s)", group=LIMITS)
    memory_gb: float = option(Limits.memory_bytes / GB, "worker memory in GB (default: %(default)s)", group=LIMITS)
    threads: int = option(0, "torch threads in the worker (default: 0, torch's default)", group=LIMITS)
    jobs: int = option(0, "judges grading the labs at once, each with its own worker and a share of the cores "
                          "(default: 0, two where there are two cores or more)", group=LIMITS)
    no_sandbox: bool = option(False, "no namespaces and no separate user", group=LIMITS)
    hide: tuple[str, ...] = option((), "another folder the worker must not see (repeatable)", group=LIMITS)
    record: Path | None = option(None, "record the judge's calls to the reference into this folder (for release)",
                                 type=Path, internal=True)
    lazy_worker: bool = option(False, "start the worker at the first call, not while the tests are collected",
                               internal=True)

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> "GradingSettings":
        """Settings from option values by field name (an argparse namespace's `vars`, or the plugin's options);
        raises ValueError (the catalogue's UnknownLab) for a lab or exercise it does not know."""
        settings = {}
        for setting in fields(cls):
            value = values.get(setting.name, setting.default)
            if isinstance(setting.default, tuple):
                value = tuple(value or ())
            parse = setting.metadata["parse"]
            settings[setting.name] = parse(value) if parse else value
        return cls(**settings)

    def limits(self) -> Limits:
        """What the worker process may use."""
        return Limits(memory_bytes=int(self.memory_gb * GB), cpu_seconds=int(2 * self.budget) + 60,
                      threads=self.threads)

    def new_budget(self, shared: SharedSeconds | None = None) -> Budget:
        """A fresh time budget for one grading run (its total `shared` with judges grading other labs at once)."""
        return Budget(self.budget, self.test_timeout, shared=shared)


def argument(setting: Field) -> dict[str, Any]:
    """argparse's keywords for the option of `setting` (pytest's addoption takes the same)."""
    keywords: dict[str, Any] = {"help": setting.metadata["help"], "default": setting.default}
    if isinstance(setting.default, bool):
        keywords["action"] = "store_true"
    elif isinstance(setting.default, tuple):
        keywords.update(action="append", default=[])
    else:
        keywords["type"] = setting.metadata["type"] or type(setting.default)
    return keywords


def dashed(setting: Field) -> str:
    return setting.name.replace("_", "-")


def add_cli_options(parser: argparse.ArgumentParser) -> None:
    """`python -m grader`'s options: `LAB ...`, `--target`, ...; the limits in a group of their own."""
    groups = {"grading": parser, LIMITS: parser.add_argument_group(LIMITS)}
    for setting in fields(GradingSettings):
        keywords = argument(setting)
        if setting.metadata["internal"]:
            keywords["help"] = argparse.SUPPRESS
        if setting.metadata["positional"]:
            parser.add_argument(setting.name, nargs="*", metavar=setting.metadata["positional"],
                                help=keywords["help"])
        else:
            groups[setting.metadata["group"]].add_argument(f"--{dashed(setting)}", dest=setting.name, **keywords)


def add_pytest_options(parser: pytest.Parser) -> None:
    """The same options for a plain pytest run of the judge's tests: `--grader-target`, `--grader-select`, ..."""
    group = parser.getgroup("grader", "grading with the ipdl-lab judge (python -m grader sets these itself)")
    for setting in fields(GradingSettings):
        group.addoption(f"--grader-{dashed(setting)}", dest=f"grader_{setting.name}", **argument(setting))


def from_pytest_options(config: pytest.Config) -> GradingSettings:
    """The settings of a plain pytest run, from its `--grader-*` options."""
    return GradingSettings.from_values({setting.name: config.getoption(f"grader_{setting.name}")
                                        for setting in fields(GradingSettings)})


SETTINGS = pytest.StashKey[GradingSettings]()  # the plugin's settings, read once per session
TARGET = pytest.StashKey[Target]()  # their target, resolved once
SHARED_BUDGET = pytest.StashKey[SharedSeconds | None]()  # the submission's total, shared by judges of its labs


class GivenSettings:
    """A plugin object that hands the grader's plugin the settings and target `python -m grader` made, in place
    of its `--grader-*` options."""

    def __init__(self, settings: GradingSettings, target: Target, shared_budget: SharedSeconds | None = None):
        self.settings = settings
        self.target = target
        self.shared_budget = shared_budget

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        config.stash[SETTINGS] = self.settings
        config.stash[TARGET] = self.target
        config.stash[SHARED_BUDGET] = self.shared_budget
