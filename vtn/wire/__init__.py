"""Marshmallow schemas for the OpenADR 3.1.0 wire format: one module per object, shared pieces in common."""
