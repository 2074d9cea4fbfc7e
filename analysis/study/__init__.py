"""Stage 6, the study: ``config`` (study.toml → StudyConfig), ``steps`` (one function a pipeline step) and
``runner`` (runs the steps into a results folder with a manifest).

Examples
--------
>>> from analysis.study import run_study, load_study
>>> callable(run_study) and callable(load_study)
True
"""

from analysis.study.config import StudyConfig, load_study
from analysis.study.runner import check_study, run_study

__all__ = ["StudyConfig", "check_study", "load_study", "run_study"]
