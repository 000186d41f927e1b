"""Benchmarks that print figures (not pass/fail tests): `python -m bench [--quick] [--json F]`.

- `fake_model.py`: a chat model of fixed latency that answers each agent in kind;
- `turn_timing.py`: times every turn of an interview run in this process;
- `bare_loop.py`: the smallest LangGraph interrupt loop, the baseline for overhead;
- `turn_skeleton.py`: Sophia's turn with no work of her own (its steps and model calls), the floor;
- `server_load.py`: many simulated candidates at once on `langgraph dev`;
- `suite.py`: the figures, their goals and the JSON; `__main__.py`: the command.
"""
