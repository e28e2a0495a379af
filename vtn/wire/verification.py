"""A program's verification settings (baseline method and parameters), as the extension API reads and writes them."""

from marshmallow import fields, validate

from .common import SpecSchema

BASELINES = ("REPORTED", "X_OF_Y", "WINDOW")
DEFAULTS = {
    "baseline": "X_OF_Y",
    "x": 10,
    "y": 10,
    "weekdaysOnly": True,
    "adjustmentHours": None,
    "adjustmentGapHours": 1.0,
    "cap": 0.2,
    "windowMinutes": 60,
    "slotMinutes": 15,
    "timezone": "UTC",
}


class VerificationSettings(SpecSchema):
    """baseline: REPORTED (the VEN's BASELINE payloads), X_OF_Y (X of the Y most recent eligible days), or WINDOW
    (the average over a window before the event); the rest parameterise them."""

    baseline = fields.String(required=True, validate=validate.OneOf(BASELINES))
    x = fields.Integer(load_default=10, validate=validate.Range(1, 60))
    y = fields.Integer(load_default=10, validate=validate.Range(1, 90))
    weekdaysOnly = fields.Boolean(load_default=True)
    adjustmentHours = fields.Float(load_default=None, allow_none=True, validate=validate.Range(0.25, 12))
    adjustmentGapHours = fields.Float(load_default=1.0, validate=validate.Range(0, 12))
    cap = fields.Float(load_default=0.2, allow_none=True, validate=validate.Range(0, 10))
    windowMinutes = fields.Integer(load_default=60, validate=validate.Range(5, 7 * 24 * 60))
    slotMinutes = fields.Integer(load_default=15, validate=validate.OneOf([1, 5, 15, 30, 60]))
    timezone = fields.String(load_default="UTC", validate=validate.Length(1, 64))
