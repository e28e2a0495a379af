"""3.0.1 /reports (docs/versions.md, "Reports"): 3.1.0's reports with programID; a VEN reads only its own."""

from flask import Blueprint

from ...auth.identity import requires
from ...auth.scopes import READ_VEN_OBJECTS, WRITE_REPORTS
from ...store import reports
from ...store import v301 as store
from ...wire.v301.reports import Report, ReportQuery, ReportRequest
from ..common import body, object_id, query, respond, transaction

bp = Blueprint("v301_reports", __name__)
REPORT = Report()


@bp.get("/reports")
@requires(READ_VEN_OBJECTS)
def search_all_reports(caller):
    """List the reports the caller may read (programID, eventID, clientName)."""
    args = query(ReportQuery())
    with transaction() as conn:
        return respond(REPORT, reports.list_report_rows(conn, caller, **args))


@bp.post("/reports")
@requires(WRITE_REPORTS)
def create_report(caller):
    """Create a report on an event the caller may read; programID must be the event's program."""
    report = body(ReportRequest())
    with transaction() as conn:
        return respond(REPORT, store.create_report(conn, caller, report), 201)


@bp.get("/reports/<report_id>")
@requires(READ_VEN_OBJECTS)
def search_reports_by_report_id(report_id, caller):
    """Read one report."""
    report_id = object_id(report_id, "reportID")
    with transaction() as conn:
        return respond(REPORT, reports.get_report(conn, caller, report_id))


@bp.put("/reports/<report_id>")
@requires(WRITE_REPORTS)
def update_report(report_id, caller):
    """Replace one of the caller's reports."""
    report_id = object_id(report_id, "reportID")
    report = body(ReportRequest())
    with transaction() as conn:
        return respond(REPORT, store.replace_report(conn, caller, report_id, report))


@bp.delete("/reports/<report_id>")
@requires(WRITE_REPORTS)
def delete_report(report_id, caller):
    """Delete one of the caller's reports; returns it."""
    report_id = object_id(report_id, "reportID")
    with transaction() as conn:
        return respond(REPORT, store.delete_report(conn, caller, report_id))
