"""What ``haishin doctor`` found: one check's outcome, in words.

Neutral ground between the CLI, which prints the findings, and the platform packages, whose
``ChatPlatform.examine`` checks their own credentials and webhooks (``bots.slack.doctor``,
``bots.line.doctor``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

State = Literal["ok", "note", "fix", "off"]
# Where the README says how to set the platforms up, for the lines that send a reader there.
SETUP = "README, 'Setting up Slack and LINE'"


@dataclass(frozen=True, slots=True)
class Finding:
    """One check's outcome: ``fix`` must be fixed; ``note`` is worth a look; ``off`` is
    switched off (nothing to check).

    Args:
        area: what was checked, the line's first column (``Slack``, ``LINE webhook``).
        state: ``ok``, ``note``, ``fix`` or ``off``.
        says: what was found and, when something is wrong, what to change and where.
    """

    area: str
    state: State
    says: str
