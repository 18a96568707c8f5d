"""spinepath's clinical core: plain, typed Python with no Django imports.

Everything a clinician could be asked to justify — suitability rules, questionnaire scoring,
steroid equivalence and limits, relief metrics — lives here so that it can be tested directly,
reproduced from stored facts, and reviewed without reading web code.
"""
