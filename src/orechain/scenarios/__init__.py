"""Scenario engine: a multi-stage supply network, disruptions, mitigations and LP solves.

The public entry points are :func:`orechain.scenarios.spec.load_scenario` (YAML →
validated model), :func:`orechain.scenarios.solve.run_scenario` (one LP per year),
:func:`orechain.scenarios.montecarlo.run_monte_carlo` and
:func:`orechain.scenarios.optimize.optimize_scenario`.
"""
