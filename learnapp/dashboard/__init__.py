"""Coverage dashboards for officials. Stands on every feature; no feature imports it.

Importing the package connects the summary tables (``stats``) to the features' signals.
"""

from learnapp.dashboard import stats
from learnapp.dashboard.routes import bp

__all__ = ["bp", "stats"]
