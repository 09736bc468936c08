"""The book's machine learning: hyperparameters, models, training loops, data generators, analyses.

The lowest layer: imports nothing else of mlplab. Re-exports nothing (see mlplab.workflow.library_inputs).
"""
