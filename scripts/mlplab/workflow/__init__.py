"""The workflow's machinery: the catalogue, sweeps, config checks, the run record, runs, data.

Imports only mlplab.chapter below it. Re-exports nothing.
"""
