"""spinepath records as FHIR R4 (4.0.1) resources: one small module per resource.

Each mapper is a plain function from model instances to a JSON-ready ``dict``; codes and system
URIs come from the one codes file (``clinical/data/coding.toml``) through ``common``.
"""
