"""Analyses of the Wengert form: activity, liveness and to-be-recorded (``dataflow``),
views and aliases (``aliases``), array ranks and shape classes (``shapes``)."""
