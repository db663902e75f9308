"""The derivative modes: forward (``jvp``) and reverse (``vjp``), each a pass from the
Wengert form to derivative code built from the rule templates."""
