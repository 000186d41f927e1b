"""The rubric brain's engine: the role pack, answer analysis and Sophia's templated phrasing.

It needs no network and gives the same result for the same input every time.
"""
