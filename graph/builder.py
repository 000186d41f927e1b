"""The interview as a graph: read top to bottom, it is the flow chart.

START -> route_start:
    load_profile       a new interview
    await_answer       an interview in progress (the answer came as a chat message)
    END                a finished interview
load_profile -> introduction -> interviewer -> route_after_speaking:
    await_answer       Sophia waits for the candidate
    report             the candidate's questions at the wrap-up reached their cap
await_answer (understands the message) -> route_turn:
    grader | difficulty | follow_up | acknowledge
                       an answer or a skip: graded by the three assessments in parallel, while
                       acknowledge says Sophia's first words (from the answer alone)
    interviewer        a clarification request or a question to Sophia (nothing graded; the
                       same question stays open)
    report             at the wrap-up, the candidate is done asking
grader & difficulty & follow_up & acknowledge -> route_after_answer (once all four are done):
    interviewer        a probe or a hint is pending (the answer missed key points / was stuck)
    <same phase>       the phase has questions left
    <next phase>       foundation -> problem_solving -> system_design -> soft_skills -> wrap_up
    report             after the closing question's answer (no questions)  -> END
every phase node -> interviewer (it continues the message acknowledge began)
"""

from __future__ import annotations

from typing import Literal, get_args

from langgraph.graph import END, START, StateGraph

from graph.config import Context
from graph.conversation import done_asking, questions_done
from graph.state import PHASES, InputState, OutputState, Phase, State, is_graded
from nodes.acknowledge import acknowledge
from nodes.await_answer import await_answer
from nodes.difficulty import difficulty
from nodes.follow_up import follow_up
from nodes.foundation import foundation
from nodes.grader import grader
from nodes.interviewer import interviewer
from nodes.introduction import introduction
from nodes.load_profile import load_profile
from nodes.problem_solving import problem_solving
from nodes.report import report
from nodes.soft_skills import soft_skills
from nodes.system_design import system_design
from nodes.wrap_up import wrap_up

PHASE_NODES = {
    "introduction": introduction,
    "foundation": foundation,
    "problem_solving": problem_solving,
    "system_design": system_design,
    "soft_skills": soft_skills,
    "wrap_up": wrap_up,
}


def next_phase(phase: Phase) -> Phase:
    """The phase after `phase` (wrap-up is last)."""
    return PHASES[min(PHASES.index(phase) + 1, len(PHASES) - 1)]


# The routers are async, though they only read state: LangGraph runs a sync router in a thread
# pool when the graph runs async, a thread hop on each of a turn's three conditional edges.
async def route_start(state: State) -> Literal["load_profile", "await_answer", "__end__"]:
    """Where a run enters the graph (state only, no model).

    A resume (`Command(resume=answer)`) continues at `await_answer` by itself. A run that sends
    new input instead, as Agent Chat UI and Studio's chat do with the candidate's message, starts
    at START: it must not restart an interview in progress, so it goes to `await_answer`, which
    takes the message as the answer.
    """
    if not state.get("current"):
        return "load_profile"
    if state.get("finished"):
        return END
    return "await_answer"


Assessment = Literal["grader", "difficulty", "follow_up"]
ASSESSMENTS: tuple[Assessment, ...] = ("grader", "difficulty", "follow_up")
# What runs on a graded answer: the assessments, and Sophia's first words beside them.
AnswerStep = Literal["grader", "difficulty", "follow_up", "acknowledge"]
ANSWER_STEPS: tuple[AnswerStep, ...] = (*ASSESSMENTS, "acknowledge")
TurnRoute = Literal["grader", "difficulty", "follow_up", "acknowledge", "interviewer", "report"]


async def route_turn(state: State) -> list[TurnRoute]:
    """Where the candidate's message goes (state only, no model).

    Answers and skips are graded: the three assessments run in parallel, since each reads
    only the latest answer, and `acknowledge` starts Sophia's reply beside them, from the
    answer alone (so the candidate hears her before the grade is known). Clarification
    requests and questions to Sophia are not: the interviewer answers them and the same
    question stays open. At the wrap-up, a candidate who has asked their questions and is done
    goes to the report, ungraded.
    """
    turn = state["turns"][-1]
    if not is_graded(turn):
        return ["interviewer"]
    if done_asking(state):
        return ["report"]
    return list(ANSWER_STEPS)


async def route_after_speaking(state: State) -> Literal["await_answer", "report"]:
    """After Sophia speaks: wait for the candidate, unless her reply closed the wrap-up's
    questions (their cap reached)."""
    return "report" if questions_done(state) else "await_answer"


AfterAnswer = Literal[
    "interviewer",
    "introduction",
    "foundation",
    "problem_solving",
    "system_design",
    "soft_skills",
    "wrap_up",
    "report",
]


async def route_after_answer(state: State) -> AfterAnswer:
    """Where the interview goes after an answer has been assessed (state only, no model).

    It is follow_up's edge: of the round, only follow_up writes what it reads (`probe`; the
    phase nodes write the rest), and a conditional edge sees its own node's writes.
    """
    current = state["current"]
    if current["phase"] == "wrap_up":
        return "report"
    if state.get("probe"):
        return "interviewer"
    if state.get("phase_questions", 0) < state.get("phase_budget", 1):
        return current["phase"]
    return next_phase(current["phase"])


def build_graph() -> StateGraph:
    """The interview graph, uncompiled (callers choose checkpointer and store)."""
    builder = StateGraph(
        State, context_schema=Context, input_schema=InputState, output_schema=OutputState
    )

    builder.add_node("load_profile", load_profile)
    for name, node in PHASE_NODES.items():
        builder.add_node(name, node)
    builder.add_node("interviewer", interviewer)
    builder.add_node("await_answer", await_answer)
    # grader, difficulty and acknowledge decide nothing about where the interview goes: their
    # `destinations` only draw the steps that follow the round (follow_up's edge picks one).
    after_answer = get_args(AfterAnswer)
    builder.add_node("grader", grader, destinations=after_answer)
    builder.add_node("difficulty", difficulty, destinations=after_answer)
    builder.add_node("follow_up", follow_up)
    builder.add_node("acknowledge", acknowledge, destinations=after_answer)
    builder.add_node("report", report)

    builder.add_conditional_edges(START, route_start)
    builder.add_edge("load_profile", "introduction")
    for name in PHASE_NODES:
        builder.add_edge(name, "interviewer")
    builder.add_conditional_edges("interviewer", route_after_speaking)
    # A graded turn's critical path is one assessment plus the interviewer (the assessments
    # and the acknowledgement run in parallel); an ungraded one's is the interviewer alone.
    builder.add_conditional_edges("await_answer", route_turn, list(get_args(TurnRoute)))
    # The four run in one LangGraph step, and the next step starts only when all four are
    # done: that is the join. What comes next is follow_up's decision (a probe or a hint, or
    # none), so it is made on follow_up's edge, with no extra step to wait on the others.
    builder.add_conditional_edges("follow_up", route_after_answer)
    builder.add_edge("report", END)
    return builder
