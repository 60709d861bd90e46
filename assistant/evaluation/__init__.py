"""Answer-quality evaluation over the curated question sets in evals/."""
