"""Files a planner sends and gets back: the plan's workbook and CSV tables, and the workbook's
Inputs sheet read back into a scenario."""
