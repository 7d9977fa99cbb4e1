"""Domain signals sent by the lessons feature, inside the transaction that caused them.

``lesson_completed.send(user, course_slug=…, lesson_slug=…, completed_at=…)`` fires once,
when a learner's lesson first becomes completed.
"""

from blinker import Namespace

_signals = Namespace()

lesson_completed = _signals.signal("lesson-completed")
# ``learner_active.send(user, at=…)``: any recorded learning action, at its (device) time.
learner_active = _signals.signal("learner-active")
