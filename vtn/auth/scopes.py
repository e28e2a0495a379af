"""The OpenADR 3.1 scopes (YAML securitySchemes) and the scopes each role is granted."""

READ_ALL = "read_all"
READ_TARGETS = "read_targets"
READ_VEN_OBJECTS = "read_ven_objects"
WRITE_PROGRAMS = "write_programs"
WRITE_EVENTS = "write_events"
WRITE_REPORTS = "write_reports"
WRITE_SUBSCRIPTIONS = "write_subscriptions"
WRITE_VENS = "write_vens"

ALL_SCOPES = (
    READ_ALL,
    READ_TARGETS,
    READ_VEN_OBJECTS,
    WRITE_PROGRAMS,
    WRITE_EVENTS,
    WRITE_REPORTS,
    WRITE_SUBSCRIPTIONS,
    WRITE_VENS,
)

ROLES = ("bl", "ven", "auditor")

# YAML: "write_reports: only VENs can write to reports"; programs and events are BL's. The auditor reads
# everything (read_all) and writes nothing. BL also holds the narrower read scopes, so that every read
# endpoint's declared scope is satisfied by the role that may call it.
ROLE_SCOPES = {
    "bl": (READ_ALL, READ_TARGETS, READ_VEN_OBJECTS, WRITE_PROGRAMS, WRITE_EVENTS, WRITE_SUBSCRIPTIONS, WRITE_VENS),
    "ven": (READ_TARGETS, READ_VEN_OBJECTS, WRITE_REPORTS, WRITE_SUBSCRIPTIONS, WRITE_VENS),
    "auditor": (READ_ALL, READ_TARGETS, READ_VEN_OBJECTS),
}


def granted(role: str, requested: str | None) -> tuple[str, ...] | None:
    """The scopes a token for ``role`` carries; None when the request asks only for scopes it may not have.

    RFC 6749 section 3.3: the server may grant fewer scopes than requested; an empty request grants all
    the role's scopes.
    """
    allowed = ROLE_SCOPES[role]
    if not requested or not requested.strip():
        return allowed
    wanted = [s for s in requested.split() if s in allowed]
    return tuple(wanted) or None
