"""plyoplan's engine: the week's facts (core), calendars, the CP-SAT model, explanations,
re-plans, blocks and exports, with the command line on top.

The coaching rules register their keys with the request model when they load (a request
may only turn off a rule that exists), so they load with the package, whatever part of it
is imported first.
"""

import constraints  # noqa: F401  (registers the rules' keys; see above)
