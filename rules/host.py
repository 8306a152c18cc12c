"""The one place durable_rules runs: a process-wide host that evaluates rule sets safely."""

# It drives durable_rules' C engine (`durable_rules_engine`, the extension durable-rules ships)
# directly, not through `durable.engine.Host`: that class starts dispatcher threads that run
# actions outside any lock (so `post` sometimes returns None), swallows action exceptions into
# `state['exception']`, treats an action with two parameters as asynchronous and never completes
# it, returns from `post_batch` before actions ran, and can never free a rule set.  Here there is
# no dispatcher: actions run in the caller's thread, under the lock, and raise.  What else it
# guards against (durable_rules 2.0.28, read in its source and measured):
#
# - the engine is not thread-safe: every call, from every host, holds one process-wide lock;
# - 1,024 live sessions at most per rule set, found by a 32-bit hash of their id, so two live
#   ids can share state: each evaluation gets a fresh id, runs alone, and is deleted at the end;
# - message ids are found by a 32-bit hash too: no session id is used whose engine state
#   message (`sid-<id>`) would hash like one of the rule set's message ids;
# - deleting a session that never ran an action frees an uninitialised pointer: a session in
#   which no rule fired first fires the no-op `close` rule;
# - a batch with any message unhandled says "not handled" although others fired: actions are
#   drained whatever the code says;
# - a MemoryError (the session cap, or exhaustion) may leave the engine unusable: the host drops
#   every engine rule set, compiles afresh from its registry, and retries once;
# - every engine rule set costs ~60 KB and durable_rules' own host never frees one: here at most
#   CAPACITY stay compiled (least recently used go), the rest are rebuilt from the registry.

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import durable_rules_engine

from rules.combine import combine
from rules.compile import CLOSE, Plan, compile_ruleset
from rules.errors import (
    EngineFailure,
    FactsInvalid,
    Problem,
    RuleActionFailed,
    RulesError,
    RuleSetConflict,
    RuleSetInvalid,
    RuleSetUnknown,
)
from rules.model import Facts, RuleDecision
from rules.ruleset import RuleSet

log = logging.getLogger(__name__)

OBSERVED = 2  # result code of an assert whose message id is already in the session (rules.h)
CAPACITY = 32  # engine rule sets kept compiled; others are rebuilt from the registry on use
CHUNK = 512  # evaluate_many lets other threads in between chunks
# The engine hashes a session id as the raw text between its JSON quotes: keep it unescaped.
SESSION_ID = re.compile(r"[A-Za-z0-9:._-]{1,64}")
_LOCK = threading.Lock()


@dataclass
class _Session:
    sid: str
    fired: list[int] = field(default_factory=list)
    acted: bool = False
    poisoned: bool = False


class _Engine:
    """One generation of engine rule sets, least recently used last; replaced whole on restart."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.handles: OrderedDict[str, int] = OrderedDict()

    def handle(self, ref: str, plan: Plan) -> int:
        handle = self.handles.get(ref)
        if handle is not None:
            self.handles.move_to_end(ref)
            return handle
        try:
            handle = durable_rules_engine.create_ruleset(ref, plan.definition)
        except durable_rules_engine.error as error:
            problem = Problem("$", f"durable_rules rejected the compiled rule set: {error}")
            raise RuleSetInvalid([problem]) from error
        self.handles[ref] = handle
        while len(self.handles) > self.capacity:
            durable_rules_engine.delete_ruleset(self.handles.popitem(last=False)[1])
        return handle

    def close(self) -> None:
        # Frees each rule set's own pools only; what a broken session holds is left, untouched.
        for handle in self.handles.values():
            try:
                durable_rules_engine.delete_ruleset(handle)
            except durable_rules_engine.error:
                log.warning("could not delete engine rule set %s", handle)
        self.handles.clear()


class RulesHost:
    """Register rule sets once per reference and evaluate Facts against them, thread-safely."""

    def __init__(self, capacity: int = CAPACITY, session_ids: Iterator[str] | None = None) -> None:
        self._rulesets: dict[str, tuple[RuleSet, Plan]] = {}
        self._engine = _Engine(capacity)
        # Fresh ids by default; tests pass their own to show that ids alone never mix facts.
        self._session_ids = session_ids or map(str, itertools.count(1))
        self.restarts = 0
        self._checks = itertools.count(1)

    def register(self, ruleset: RuleSet) -> None:
        """Register a rule set; again with the same content is a no-op, other content an error."""
        with _LOCK:
            self._register(ruleset)

    def check(self, ruleset: RuleSet) -> None:
        """Compile a rule set on durable_rules and free it: RuleSetInvalid if the engine refuses.

        Nothing is registered and no engine rule set in use is touched, so a refusal leaves the
        host serving the rule sets it had.
        """
        plan = compile_ruleset(ruleset)
        with _LOCK:
            name = f"check-{next(self._checks)}"
            try:
                handle = durable_rules_engine.create_ruleset(name, plan.definition)
            except durable_rules_engine.error as error:
                reason = f"durable_rules cannot compile the rule set: {error}"
                raise RuleSetInvalid([Problem("$", reason)]) from None
            try:
                durable_rules_engine.delete_ruleset(handle)
            except durable_rules_engine.error:
                log.warning("could not delete checked engine rule set %s", handle)

    def registered(self) -> tuple[str, ...]:
        """Return the references of the registered rule sets."""
        with _LOCK:
            return tuple(self._rulesets)

    def evaluate(self, ruleset: RuleSet | str, facts: Facts) -> RuleDecision:
        """Decide for one project's facts; a RuleSet not yet registered is registered first."""
        with _LOCK:
            return self._evaluate(self._resolve(ruleset), facts)

    def evaluate_many(self, ruleset: RuleSet | str, facts: Iterable[Facts]) -> list[RuleDecision]:
        """Decide for many projects, in order, letting other threads in between chunks."""
        pending, decisions = list(facts), []
        for start in range(0, len(pending), CHUNK):
            with _LOCK:
                resolved = self._resolve(ruleset)
                decisions += [
                    self._evaluate(resolved, one) for one in pending[start : start + CHUNK]
                ]
        return decisions

    def restart(self) -> None:
        """Drop every engine rule set and start a new engine generation from the registry."""
        with _LOCK:
            self._restart()

    def _register(self, ruleset: RuleSet) -> tuple[RuleSet, Plan]:
        known = self._rulesets.get(ruleset.ref)
        if known is not None:
            if known[0] is not ruleset and known[0].sha256 != ruleset.sha256:
                raise RuleSetConflict(f"{ruleset.ref} is already registered with other rules")
            return known
        plan = compile_ruleset(ruleset)
        self._engine.handle(ruleset.ref, plan)
        self._rulesets[ruleset.ref] = (ruleset, plan)
        return ruleset, plan

    def _resolve(self, ruleset: RuleSet | str) -> tuple[RuleSet, Plan]:
        if isinstance(ruleset, RuleSet):
            return self._register(ruleset)
        if ruleset not in self._rulesets:
            raise RuleSetUnknown(f"no rule set registered as {ruleset!r}")
        return self._rulesets[ruleset]

    def _evaluate(self, resolved: tuple[RuleSet, Plan], facts: Facts) -> RuleDecision:
        if not isinstance(facts, Facts):
            raise FactsInvalid(f"expected Facts, got {type(facts).__name__}")
        try:
            fired = self._run(*resolved, facts)
        except MemoryError:
            log.warning("durable_rules ran out of memory; restarting the rules host")
            self._restart()
            try:
                fired = self._run(*resolved, facts)
            except MemoryError as error:
                self._restart()
                raise EngineFailure("durable_rules ran out of memory twice") from error
        return combine(resolved[0], fired, facts)

    def _run(self, ruleset: RuleSet, plan: Plan, facts: Facts) -> list[int]:
        handle = self._engine.handle(ruleset.ref, plan)
        session = _Session(self._session_id(plan))
        try:
            asserted, events = plan.messages(facts, session.sid)
            if asserted is not None:
                self._drain(handle, plan, session, durable_rules_engine.assert_facts, asserted)
            for event in events:
                self._drain(handle, plan, session, durable_rules_engine.assert_event, event)
            return session.fired
        except MemoryError:
            session.poisoned = True
            raise
        finally:
            self._end(handle, plan, session)

    def _session_id(self, plan: Plan) -> str:
        for sid in self._session_ids:
            if not SESSION_ID.fullmatch(sid):
                raise RulesError(f"session id {sid!r} is not plain ASCII")
            if not plan.clashes(sid):
                return sid
        raise RulesError("the session ids ran out")

    def _drain(self, handle: int, plan: Plan, session: _Session, call, message: str) -> None:
        code, state = call(handle, message)
        if code == OBSERVED:  # compile_ruleset and _session_id keep message ids apart
            raise RulesError(f"durable_rules saw a message id twice in session {session.sid}")
        # A batch says NOT_HANDLED if any one message was, though others fired: always look.
        started = durable_rules_engine.start_action_for_state(handle, state)
        if started is None:
            return
        session.acted = True
        text = started[1]
        while text is not None:
            try:
                session.fired.extend(self._fired(plan, session.sid, text))
            except Exception as error:
                with contextlib.suppress(durable_rules_engine.error):
                    durable_rules_engine.abandon_action(handle, state)
                message = f"{plan.ruleset.ref}: a rule's action failed: {error}"
                raise RuleActionFailed(message) from error
            text = durable_rules_engine.complete_and_start_action(handle, state)

    def _fired(self, plan: Plan, sid: str, text: str) -> list[int]:
        """Run the action of a rule that fired: check what it matched, and return its index."""
        # `text` is `{"<rule>":{"<fact>":<message as posted>,...}}`, the messages being JSON this
        # host wrote; inside a JSON string every quote is escaped, so `"sid": ` occurs once per
        # message, and each must carry this session's id.  Slicing beats parsing it (~1/5).
        name = text[2 : text.index('"', 2)]
        own = text.count(f'"sid": {json.dumps(sid)},')
        if own == 0 or own != text.count('"sid": '):  # a 32-bit session hash let others in
            raise RulesError(f"rule {name} matched facts of another session: {text[:200]}")
        return [] if name == CLOSE else [int(name[1:])]

    def _end(self, handle: int, plan: Plan, session: _Session) -> None:
        if session.poisoned:
            return  # the restart drops this engine rule set whole
        try:
            if not session.acted:
                close = Plan.close_event(session.sid)
                self._drain(handle, plan, session, durable_rules_engine.assert_event, close)
            durable_rules_engine.delete_state(handle, session.sid)
        except (RulesError, durable_rules_engine.error, MemoryError):
            log.warning("could not delete rules session %s; restarting", session.sid)
            self._restart()

    def _restart(self) -> None:
        old, self._engine = self._engine, _Engine(self._engine.capacity)
        self.restarts += 1
        old.close()


_HOST: RulesHost | None = None
_FORK_HOOK = False


def host() -> RulesHost:
    """Return this process's rules host, creating it on first use."""
    global _HOST, _FORK_HOOK
    if _HOST is None:
        with _LOCK:
            if _HOST is None:
                _HOST = RulesHost()
            if not _FORK_HOOK:
                os.register_at_fork(after_in_child=_forget_after_fork)
                _FORK_HOOK = True
    return _HOST


def _forget_after_fork() -> None:
    # A forked child may inherit the lock held by a parent thread: start over, lock included.
    global _HOST, _LOCK
    _HOST, _LOCK = None, threading.Lock()
