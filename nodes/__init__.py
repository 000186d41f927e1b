"""The interview's nodes: one module per phase, agent and step."""
