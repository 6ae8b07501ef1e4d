"""The registry's business logic: plain functions on a SQLAlchemy Session.

Routers call these; the ops engineer's demo data and roster import reuse them. Every function
takes the time as ``now`` (the app's injected clock) and checks every rule again with
``kiosk.domain``: the kiosk is never trusted. Services write the audit rows of what they do
(:mod:`.audit`).

Committing is the caller's: a request's unit of work (:mod:`registry.unit_of_work`), or the CLI's
and the demo's own sessions. Each function's docstring says "commits" or "does not commit"; the
few that commit say why they must: a change kept although they then refuse (a wrong code's
attempt, a failed login, a missed student look-up), a commit before a message leaves (a code's
challenge), a kiosk token's id spent before the request runs, an operator's one-time token.
"""
