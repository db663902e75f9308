"""Tools for seeing derivatives: traces, graphs, explanations, memory reports and
``check_grads``."""
