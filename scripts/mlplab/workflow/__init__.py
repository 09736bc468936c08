"""The workflow's machinery: the catalogue, sweeps, config checks, the run record, runs, data fetching. Imports only mlplab.chapter."""
