"""The registry's business logic: plain functions on a SQLAlchemy Session.

Routers call these; the ops engineer's demo data and roster import reuse them. Every function
takes the time as ``now`` (the app's injected clock) and checks every rule again with
``kiosk.domain``: the kiosk is never trusted. Functions that must keep a change even when they
then refuse (a wrong code's attempt, a failed login) commit it themselves before raising; the
others leave committing to the caller unless they say otherwise.
"""
