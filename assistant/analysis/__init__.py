"""Analysis views: responsibility matrices of plans and notices, study tables of findings,
causes and countermeasures, and comparisons across studies, every cell cited."""
