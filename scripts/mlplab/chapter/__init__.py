"""The book's machine learning: models, training loops, data generators, analyses. Imports nothing else of mlplab."""
