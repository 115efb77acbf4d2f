"""The set-up the README and the example workflow teach: the CPU build of torch where no
GPU is wanted (from PyPI, Linux gets the multi-GB CUDA build)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from .conftest import ROOT

CPU_INDEX = "pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu"


def test_workflow_installs_the_cpu_build_before_sumbench():
    workflow = (ROOT / ".github" / "workflows" / "sumbench.yml").read_text()
    assert CPU_INDEX in workflow
    assert workflow.index(CPU_INDEX) < workflow.index("pip install -e .")


def test_readme_says_which_build_each_set_up_gets():
    readme = (ROOT / "README.md").read_text()
    assert CPU_INDEX in readme
    assert "CUDA build" in readme and "+cpu" in readme


def test_pin_matches_the_documented_version():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"torch==2.13.0"' in pyproject


def test_the_architecture_table_names_every_module():
    """The README's map of the code stays the code's: every module is named in it."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Architecture"):readme.index("## Why each dependency")]
    package = ROOT / "eval" / "sumbench"
    missing = [str(path.relative_to(package)) for path in sorted(package.rglob("*.py"))
               if path.name not in ("__init__.py", "__main__.py")
               and f"`{path.name}`" not in section and f"{path.name}" not in section]
    assert not missing, f"not in the README's architecture section: {missing}"


def test_workflow_posts_or_updates_one_pull_request_comment():
    """The example workflow writes pr_comment.md and keeps one comment per pull request:
    found by sumbench's marker, PATCHed if there, else POSTed, all with `gh api`."""
    import yaml

    from sumbench.reports import COMPARISON_FORMATS
    from sumbench.reports.prcomment import MARKER

    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "sumbench.yml").read_text())
    job = workflow["jobs"]["evaluate"]
    assert job["permissions"]["pull-requests"] == "write"
    steps = {step.get("name"): step for step in job["steps"]}
    assert ",pr " in steps["Compare with the baseline"]["run"] + " "
    step = steps["Comment on the pull request"]
    body = step["env"]["BODY"]
    assert body == "runs/pr/compare/" + COMPARISON_FORMATS["pr"][0]
    assert "github.event_name == 'pull_request'" in step["if"] and body in step["if"]
    script = step["run"]
    assert f'startswith("{MARKER}")' in script
    assert 'gh api --paginate "repos/$REPO/issues/$PR/comments"' in script
    assert 'gh api --method PATCH "repos/$REPO/issues/comments/$id" -F "body=@$BODY"' in script
    assert 'gh api --method POST "repos/$REPO/issues/$PR/comments" -F "body=@$BODY"' in script
    assert step["env"]["GH_TOKEN"] == "${{ github.token }}"


@pytest.mark.parametrize("existing", ["4242", ""])
def test_comment_step_patches_its_comment_or_posts_one(existing: str, tmp_path: Path):
    """The step's script, run with a stand-in `gh` that logs its arguments: it PATCHes
    the comment the search found, and POSTs a new one when none was found."""
    import yaml

    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "sumbench.yml").read_text())
    [step] = [s for s in workflow["jobs"]["evaluate"]["steps"]
              if s.get("name") == "Comment on the pull request"]
    fake = tmp_path / "gh"
    fake.write_text('#!/bin/sh\necho "$@" >> "$GH_LOG"\n'
                    'case "$*" in *--paginate*) [ -n "$EXISTING" ] && echo "$EXISTING";; esac\n'
                    "exit 0\n")
    fake.chmod(0o755)
    env = {"PATH": f"{tmp_path}:{os.environ['PATH']}", "GH_LOG": str(tmp_path / "log"),
           "EXISTING": existing, "REPO": "o/r", "PR": "7", "BODY": "c/pr_comment.md"}
    subprocess.run(["bash", "-e", "-c", step["run"]], env=env, check=True, timeout=30)
    calls = (tmp_path / "log").read_text().splitlines()
    assert calls[0].startswith("api --paginate repos/o/r/issues/7/comments --jq")
    expected = (f"api --method PATCH repos/o/r/issues/comments/{existing}" if existing
                else "api --method POST repos/o/r/issues/7/comments")
    assert calls[1:] == [f"{expected} -F body=@c/pr_comment.md"]


def test_readme_documents_history_label_and_the_pr_comment():
    readme = (ROOT / "README.md").read_text()
    commands = readme.split("## Using it", 1)[1].split("```", 2)[1]  # the command list
    assert "sumbench history " in commands and "--label" in commands
    assert "### Results over time: `sumbench history`" in readme
    assert "--fail-on-regression" in readme and "<!-- sumbench-pr -->" in readme
    assert "--report pr" in readme and "gh api" in readme
