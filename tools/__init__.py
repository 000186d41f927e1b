"""LangChain tools Sophia's agents call, and the catalogues they read."""

from tools.coaching import generate_coaching_suggestions
from tools.learning_resources import find_learning_resources
from tools.profile import lookup_candidate_profile

__all__ = [
    "find_learning_resources",
    "generate_coaching_suggestions",
    "lookup_candidate_profile",
]
