"""Topic management and expansion, prompt rendering, dialogue simulation, the mix planner."""
