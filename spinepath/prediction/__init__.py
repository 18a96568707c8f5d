"""'People like you' and the relief prediction model (issue 16): counted figures of similar
patients from the outcome facts, and a calibrated model retrained by the worker. Decision support
only: nothing here changes a rule's outcome. Sits just above ``analytics`` in the layers."""
