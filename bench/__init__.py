"""Benchmarks (``make bench``): each module with a ``main()`` is run; results go to bench/results.

Nothing here is asserted as a timed test: machines differ, and a number is worth reading, not
failing on.
"""
