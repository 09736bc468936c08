"""What a person reads: tables, statistics, figures, pages and their templates.

Imports mlplab.workflow and mlplab.chapter, never mlplab.compare. Re-exports nothing.
"""
