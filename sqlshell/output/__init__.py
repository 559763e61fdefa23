"""Outcome to text, and where text goes: renderers (aligned, csv, json, ...), value formatting, the
stdout/stderr streams, echo of sent SQL and progress lines.
"""
