"""Use cases: one function per thing a user or the automation does.

Each takes a UnitOfWork, the acting person's login and the business date, does
its checks, changes records, records events and commits in one transaction.
"""
