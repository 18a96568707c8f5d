"""A synthetic registry at national scale, written in bulk (``generate_registry``).

Nothing imports it: like the demo it sits on top of every app (import-linter contracts).
"""
