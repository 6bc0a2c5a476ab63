"""A multi-week plyometric block, planned as one CP-SAT model over all its weeks.

Each week's request is the runner's request moved on by 7 days per week, with the plyo
sessions (count, contacts, intensity) that `progression.plan_progression` prescribes (the
runner's own plyo session gives only their length);
one-off busy intervals stay as they are and only touch the week they fall in. One
`WeekVars` per week shares one model; every rule of the registry posts itself per week,
and where a rule reaches across a week's edge it posts that too, on the weeks' variables
(`Rule.post_across_weeks`: no plyo on Sunday before a key workout on Monday, no key
workouts on both days, `plyo_gap` in real minutes). The objective is the sum of every
week's soft penalties. After the solve, each week's `context` records what the plan put
on the neighbouring Sunday and Monday, so every week checks on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from ortools.sat.python import cp_model
from pydantic import BaseModel, ConfigDict, Field

from constraints import ALL_RULES, HARD_RULES, SOFT_RULES, PenaltyTerm, soft_penalties
from constraints.plyo_after_easy import PlyoAfterEasy
from scheduler.block.progression import (
    Adjustment,
    Dose,
    ProgressionSettings,
    WeekTarget,
    get_progression_settings,
    plan_progression,
)
from scheduler.block.race_weeks import bend_for_races, races_seen
from scheduler.block.training_log import TrainingLog, verdict
from scheduler.core import dosing
from scheduler.core.domain import (
    KEY_KINDS,
    PLAN_FOUND,
    Context,
    ContextKind,
    Kind,
    PlannedSession,
    Request,
    Schedule,
    SessionRequest,
)
from scheduler.core.drills import plyo_drills
from scheduler.core.errors import BadRequest, RulesConflict
from scheduler.core.problem import WeekProblem
from scheduler.core.sessions import id_in_week
from scheduler.core.settings import Settings
from scheduler.core.taper import taper_changes
from scheduler.core.variables import WeekVars
from scheduler.core.week import Week
from scheduler.model.solve import (
    WeekModel,
    extract_sessions,
    new_model,
    new_solver,
    plan_week,
    rules_as_asked,
    solve_status,
)

__all__ = ["BlockPlan", "SolvedBlock", "plan_block", "solve_block", "week_requests",
           "build_block_model", "day_kind"]

# A block model is many loosely linked copies of a week. Measured on the examples and on
# generated runners (see benchmarks/bench_block.py), CP-SAT's presolve, probing, symmetry
# and LP passes cost more than they save on it, and core-based optimisation proves the
# soft optimum far sooner when some preferences cannot all be met (e.g. three key
# workouts a week, or a preferred time of day with no free window).
BLOCK_SOLVER_PARAMETERS: dict[str, bool | int] = {
    "cp_model_presolve": False,
    "symmetry_level": 0,
    "cp_model_probing_level": 0,
    "use_sat_inprocessing": False,
    "linearization_level": 0,
    "optimize_with_core": True,
}


class BlockPlan(BaseModel):
    """A block: one schedule per week and the progression that shaped them."""

    model_config = ConfigDict(extra="forbid")

    weeks: list[Schedule] = Field(description="One schedule per week, in order.")
    progression: list[WeekTarget] = Field(description="Per week: dose, class, why.")


def _week_id(given: str | None, week_start: date, first: bool) -> str | None:
    """A runner-given id stays unique across weeks: later weeks carry their Monday."""
    return given if given is None or first else id_in_week(given, week_start)


def week_requests(request: Request, targets: list[WeekTarget], plyo_minutes: int
                  ) -> list[Request]:
    """Each week's request: the runner's, moved on a week at a time, with its plyo dose.

    Only the block's outer edges keep the runner's `context`; inner edges are decided by
    the model and filled in after the solve.
    """
    runs = [w for w in request.sessions if w.kind is not Kind.plyo]  # and strength, kept as asked
    out = []
    for i, target in enumerate(targets):
        week_start = request.week_start + timedelta(days=7 * i)
        sessions = [w.model_copy(update={"id": _week_id(w.id, week_start, i == 0)})
                    for w in runs]
        sessions += [SessionRequest(kind=Kind.strength, minutes=plyo_minutes,
                                    avoid=dose.avoid)
                     if dose.strength else
                     SessionRequest(kind=Kind.plyo,
                                    minutes=_plyo_minutes(request, dose, week_start,
                                                          target.strides, plyo_minutes),
                                    contacts=dose.contacts, intensity=dose.intensity,
                                    avoid=dose.avoid)
                     for dose in target.doses]
        context = Context(
            day_before=request.context.day_before if i == 0 else None,
            day_after=request.context.day_after if i == len(targets) - 1 else None,
        )
        out.append(request.model_copy(update={
            "week_start": week_start, "sessions": sessions, "context": context,
            "races": races_seen(request, i),
        }))
    return out


def _plyo_minutes(request: Request, dose: Dose, week_start: date, strides: int, asked: int
                  ) -> int:
    """What the runner asked for a plyo session, or more when its sets, rests, strides,
    warm-up and cool-down need it (the single week's own floor has no strides)."""
    drills = plyo_drills(request.runner.level, dose.contacts, dose.intensity, week_start,
                         dose.avoid)
    return max(asked, dosing.plyo_minutes(
        drills, strides=strides, stride_seconds=get_progression_settings().stride_seconds))


def _settle_contacts(target: WeekTarget, problem: WeekProblem) -> None:
    """The week's contacts as its drills hold them: whole sets round a dose down (rarely,
    when the drills left after pain count in pairs), and the target says what was done."""
    plyos = iter(s.contacts for s in problem.specs if s.kind is Kind.plyo)
    target.doses = [d if d.strength else d.model_copy(update={"contacts": next(plyos, 0)})
                    for d in target.doses]
    target.contacts = sum(d.contacts for d in target.doses if not d.strength)


def day_kind(sessions: list[PlannedSession], tz: ZoneInfo, day: date) -> ContextKind:
    """What a day holds, as a `context` kind: a key workout first, then plyo, easy, rest."""
    kinds = [s.kind for s in sorted(sessions, key=lambda s: s.start)
             if s.status in ("planned", "done") and s.start.astimezone(tz).date() == day]
    for kind in (*[k for k in kinds if k in KEY_KINDS], Kind.plyo, Kind.strength, Kind.easy):
        if kind in kinds:
            return cast(ContextKind, kind.value)
    return "rest"


def _order_alike(model: cp_model.CpModel, v: WeekVars) -> None:
    """Sessions no rule tells apart (same kind and length) go in id order.

    Swapping two of them gives a plan of the same cost, so fixing their order loses no
    plan and spares the solver from trying each one's mirror image.
    """
    alike: dict[tuple[Kind, int], list[str]] = {}
    for spec in v.specs:
        alike.setdefault((spec.kind, spec.minutes), []).append(spec.id)
    for ids in alike.values():
        for first, second in zip(ids, ids[1:], strict=False):
            model.add(v.start[first] < v.start[second])


@dataclass
class BlockModel:
    """The one model of a block: per week its variables and soft penalty terms."""

    model: cp_model.CpModel
    weeks: list[WeekVars]
    terms: list[list[PenaltyTerm]]


def build_block_model(problems: list[WeekProblem],
                      done: Mapping[str, datetime] | None = None) -> BlockModel:
    """Every week's rules, the boundary rules, hard rules settled as the runner asked,
    soft terms summed; sessions in `done` (logged, so they happened) stay at their time."""
    model = new_model()
    weeks: list[WeekVars] = []
    terms: list[list[PenaltyTerm]] = []
    done = done or {}
    for problem in problems:
        pinned = {spec.id: problem.week.minute(done[spec.id]) for spec in problem.specs
                  if spec.id in done
                  and 0 <= problem.week.minute(done[spec.id])
                  <= problem.week.horizon - spec.minutes}
        v = WeekVars(model, problem, settled=rules_as_asked(problem.request), pinned=pinned)
        terms.append([t for rule in ALL_RULES for t in rule.post(model, v, problem)])
        _order_alike(model, v)
        weeks.append(v)
    for rule in HARD_RULES:  # where a rule reaches across a week's edge
        rule.post_across_weeks(model, weeks)
    for rule in SOFT_RULES:  # ... and where a preference does (paid in one week's terms)
        for week_terms, more in zip(terms, rule.penalties_across_weeks(model, weeks),
                                    strict=False):
            week_terms.extend(more)
    model.minimize(sum(t.weight * t.literal for week_terms in terms for t in week_terms))
    return BlockModel(model, weeks, terms)


def _solve(problems: list[WeekProblem], done: Mapping[str, datetime] | None = None
           ) -> tuple[str, list[list[PlannedSession]], int | None]:
    """One model over all weeks: the status, each week's sessions and the objective."""
    bm = build_block_model(problems, done)
    solver = new_solver(problems[0].settings, tuning=BLOCK_SOLVER_PARAMETERS)
    status = solve_status(solver, bm.model)
    if status not in PLAN_FOUND:
        return status, [], None
    placed = [extract_sessions(WeekModel(bm.model, v, t), solver)
              for v, t in zip(bm.weeks, bm.terms, strict=True)]
    return status, placed, round(solver.objective_value)


def _schedules(problems: list[WeekProblem], placed: list[list[PlannedSession]], status: str
               ) -> list[Schedule]:
    """Schedules whose requests carry the neighbouring days the plan chose."""
    out = []
    for i, (problem, sessions) in enumerate(zip(problems, placed, strict=True)):
        request = problem.request
        tz, monday = request.tz, request.week_start
        context = request.context.model_copy()
        if i > 0:
            context.day_before = day_kind(placed[i - 1], tz, monday - timedelta(days=1))
        if i < len(problems) - 1:
            context.day_after = day_kind(placed[i + 1], tz, monday + timedelta(days=7))
        planned = problem.with_context(context)
        schedule = Schedule(week_start=monday, timezone=request.runner.timezone,
                            status=status, sessions=sessions,  # type: ignore[arg-type]
                            request=planned.request)
        schedule.penalties = soft_penalties(planned, schedule)
        schedule.changes = taper_changes(planned.request, schedule)
        out.append(schedule)
    return out


def _conflict(problems: list[WeekProblem]) -> RulesConflict:
    """Name the first week that cannot fit on its own, or the boundaries."""
    from scheduler.explain.infeasible import explain_infeasible  # only on this rare path

    for problem in problems:
        if plan_week(problem).status == "infeasible":
            why = " ".join(item.text for item in explain_infeasible(problem, with_fixes=False))
            return RulesConflict(
                f"The week of {problem.request.week_start:%a %d %b %Y} cannot fit its "
                f"sessions under the coaching rules. {why}".rstrip())
    hours = problems[0].request.rules.plyo_gap_hours
    return RulesConflict(
        "Each week fits on its own but not back to back: the rules across week boundaries "
        "(no plyo on Sunday before a Monday key workout, no key workouts on both days, "
        f"{hours} h between plyo sessions) cannot all hold.")


def _easy_runs_cap(request: Request) -> int | None:
    """Plyo follows an easy run, so a week holds at most as many plyo sessions as easy runs."""
    if PlyoAfterEasy.key in request.rules.off:
        return None
    return sum(w.kind is Kind.easy for w in request.sessions)


def _log_adjustments(request: Request, weeks: int, log: TrainingLog | None
                     ) -> dict[int, Adjustment]:
    """Each week's verdict from the log; pain that eased one week holds the next ones."""
    adjustments: dict[int, Adjustment] = {}
    earlier: tuple[str, ...] = ()
    for i in range(weeks if log else 0):
        assert log is not None
        origin = Week(request.week_start + timedelta(days=7 * i), request.tz).origin
        found = verdict(log, origin, timezone=request.runner.timezone)
        if found and found.action == "ease" and found.pain == earlier:
            # the same pain, already eased for: no step up until it has settled
            found = replace(found, action="hold", intensity=None, contacts=None)
        earlier = found.pain if found else ()
        if found:
            adjustments[i] = found
    return adjustments


@dataclass
class SolvedBlock:
    block: BlockPlan
    objective: int  # the solver's objective: the sum of every week's soft penalties


def plan_block(
    request: Request,
    weeks: int,
    *,
    log: TrainingLog | None = None,
    prepare: Callable[[Request], Request] | None = None,
    settings: Settings,
    progression_settings: ProgressionSettings | None = None,
) -> BlockPlan:
    """Plan `weeks` weeks from the request's Monday (see `solve_block`)."""
    return solve_block(request, weeks, log=log, prepare=prepare, settings=settings,
                       progression_settings=progression_settings).block


def solve_block(
    request: Request,
    weeks: int,
    *,
    log: TrainingLog | None = None,
    prepare: Callable[[Request], Request] | None = None,
    settings: Settings,
    progression_settings: ProgressionSettings | None = None,
) -> SolvedBlock:
    """Plan `weeks` weeks from the request's Monday under `settings`, adapted to `log`;
    `prepare` may add each week's busy calendars. Raises BadRequest for an impossible ask and
    RulesConflict when the rules cannot all hold."""
    ps = progression_settings or get_progression_settings()
    if not 1 <= weeks <= ps.max_weeks:
        raise BadRequest(f"--weeks {weeks} is out of range; a block has 1 to "
                         f"{ps.max_weeks} weeks (6 to 8 is typical).")
    limit = _easy_runs_cap(request)
    if limit == 0:
        raise BadRequest("'sessions' has no easy run, and plyometrics follow an easy run "
                         "(rule plyo_after_easy); add an easy run or turn the rule off.")
    first_plyo = next((w for w in request.sessions if w.kind is Kind.plyo), None)
    minutes = first_plyo.minutes if first_plyo else ps.default_plyo_minutes
    adjustments = _log_adjustments(request, weeks, log)
    # A logged session happened: re-planning the block never moves it.
    done = {e.session: e.start for e in log.entries} if log else {}
    wanted = ps.levels[request.runner.level].sessions_full
    fewer: str | None = None
    if limit is not None and limit < wanted:
        fewer = (f"Plyo sessions follow an easy run and your week has {limit}, so the block "
                 f"keeps {limit} plyo session(s) a week.")
    while True:
        targets = plan_progression(request.runner.level, weeks, request.contacts_cap,
                                   settings=ps, max_sessions=limit, adjustments=adjustments)
        targets = bend_for_races(targets, request)  # taper before an A race, recovery after
        requests = week_requests(request, targets, minutes)
        if prepare is not None:
            requests = [prepare(r) for r in requests]
        problems = [WeekProblem.of(r, settings) for r in requests]
        status, placed, objective = _solve(problems, done)
        if status == "infeasible" and done:
            # logged times the rules no longer allow (the runner's week changed)
            status, placed, objective = _solve(problems)
        if status in PLAN_FOUND:
            break
        most = max(t.sessions for t in targets)
        if status == "unknown":
            raise RulesConflict("No block plan was found within the time limit; try fewer "
                                "weeks or a longer PLYOPLAN_SOLVER_TIME_LIMIT_SECONDS.")
        if most <= 1:
            raise _conflict(problems)
        limit = most - 1
        fewer = (f"{most} plyo sessions a week do not fit around your runs under the "
                 f"coaching rules, so the block keeps {limit} a week.")
    for target, problem in zip(targets, problems, strict=True):
        target.week_start = problem.request.week_start
        _settle_contacts(target, problem)
    if fewer:
        targets[0].notes.append(fewer)
    block = BlockPlan(weeks=_schedules(problems, placed, status), progression=targets)
    return SolvedBlock(block, objective or 0)

