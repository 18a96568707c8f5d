"""Follow-up after a procedure: scheduled time points, their answers, patient links and messages.

Sits above ``procedures``: it subscribes to "procedure recorded" through
``spinepath.procedures.hooks`` in its ``AppConfig.ready`` so lower layers never import it.
"""
