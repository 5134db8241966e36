DROP TABLE kpi_values;
DROP TABLE kpi_targets;
DROP TABLE kpis;
DROP TABLE goals;
DROP TABLE measure_relations;
DROP TABLE measures;
DROP TABLE working_groups;
DROP TABLE plans;
