"""OpenADR 3.0.1 on the wire: schemas that load 3.0.1 bodies into the objects the store keeps, and dump them back.

Both versions share one store, in 3.1.0's terms (docs/versions.md); these schemas translate at the edge.
"""
