"""The demo: a generated bureau runs the reference campaign, day by day, into a folder.

    from duban.demo.run import run_demo
    result = run_demo(Path("demo-out"), seed=2015)

``run`` prepares the folder and runs the rest: ``bureau`` generates the organisation,
``simulation`` plays the three months through the real services (the same ``run_tick`` the
campaign-tick flow calls), with ``intake`` (problem lists, opinions, reports, 对账销号),
``accountability`` (cases) and ``programme`` (study, mechanisms) as its seams and
``scenario`` as its script; ``summary`` writes summary.md / summary.json from the database.
"""

DEFAULT_SEED = 2015
DAY_LABEL = "专项整治"  # the progress line's word for a day of the reference campaign
