"""3.0.1 /programs: the 3.1.0 views' storage, scopes and status codes, in 3.0.1 shapes (docs/versions.md)."""

from flask import Blueprint

from ...auth.identity import requires
from ...auth.scopes import READ_TARGETS, WRITE_PROGRAMS
from ...store import programs as store
from ...wire.v301.programs import Program, ProgramQuery, ProgramRequest, keep
from ..common import body, object_id, query, respond, transaction

bp = Blueprint("v301_programs", __name__)
PROGRAM = Program()


@bp.get("/programs")
@requires(READ_TARGETS)  # 3.0.1's read_all: the 3.1.0 read scope of programs
def search_all_programs(caller):
    """List the programs the caller may read (targetType, targetValues, skip, limit)."""
    args = query(ProgramQuery())
    with transaction() as conn:
        return respond(PROGRAM, store.list_programs(conn, caller, **args))


@bp.post("/programs")
@requires(WRITE_PROGRAMS)
def create_program(caller):
    """Create a program from a 3.0.1 body."""
    program = body(ProgramRequest())
    with transaction() as conn:
        return respond(PROGRAM, store.create_program(conn, program), 201)


@bp.get("/programs/<program_id>")
@requires(READ_TARGETS)
def search_program_by_program_id(program_id, caller):
    """Read one program."""
    program_id = object_id(program_id, "programID")
    with transaction() as conn:
        return respond(PROGRAM, store.get_program(conn, caller, program_id))


@bp.put("/programs/<program_id>")
@requires(WRITE_PROGRAMS)
def update_program(program_id, caller):
    """Replace a program; attribute entries 3.0.1 cannot express are kept."""
    program_id = object_id(program_id, "programID")
    program = body(ProgramRequest())
    with transaction() as conn:
        return respond(PROGRAM, store.update_program(conn, program_id, program, keep=keep))


@bp.delete("/programs/<program_id>")
@requires(WRITE_PROGRAMS)
def delete_program(program_id, caller):
    """Delete a program that has no live events; returns it."""
    program_id = object_id(program_id, "programID")
    with transaction() as conn:
        return respond(PROGRAM, store.delete_program(conn, program_id))
