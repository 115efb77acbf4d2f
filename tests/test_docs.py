"""The set-up the README and the example workflow teach: the CPU build of torch where no
GPU is wanted (from PyPI, Linux gets the multi-GB CUDA build)."""

from __future__ import annotations

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
