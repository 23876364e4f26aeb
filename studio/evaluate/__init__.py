"""Eval sets, model runs, automatic checks, judge and human scores, comparisons."""
