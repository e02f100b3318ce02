"""The demo: a generated bureau runs the reference campaign, day by day, into a folder.

    from duban.demo.simulation import run_demo
    result = run_demo(Path("demo-out"), seed=2015)

``bureau`` generates the organisation, ``simulation`` plays the three months
through the real services (the same ``run_tick`` the campaign-tick flow calls),
``summary`` writes summary.md / summary.json from the database.
"""

DEFAULT_SEED = 2015
