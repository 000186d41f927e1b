"""Sophia's LangGraph graph: state, configuration, builder and the compiled interview."""
