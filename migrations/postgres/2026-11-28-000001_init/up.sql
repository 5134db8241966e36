-- The plan's read model. Enumerations are text with CHECK constraints so that
-- PostgreSQL and SQLite share one diesel schema.

CREATE TABLE plans (
    id BIGSERIAL PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    organisation TEXT NOT NULL,
    published_on DATE,
    description TEXT NOT NULL,
    cost_low_below_eur DOUBLE PRECISION NOT NULL,
    cost_high_above_eur DOUBLE PRECISION NOT NULL,
    personnel_low_below_fte DOUBLE PRECISION NOT NULL,
    personnel_high_above_fte DOUBLE PRECISION NOT NULL,
    period_short_below_months INTEGER NOT NULL,
    period_long_above_months INTEGER NOT NULL,
    legend_notes TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE working_groups (
    id BIGSERIAL PRIMARY KEY,
    plan_id BIGINT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    number INTEGER NOT NULL,
    name TEXT NOT NULL,
    lead TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (plan_id, code)
);

CREATE TABLE measures (
    id BIGSERIAL PRIMARY KEY,
    plan_id BIGINT NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    working_group_id BIGINT NOT NULL REFERENCES working_groups (id),
    code TEXT,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    position INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('PLANNED', 'IN_PROGRESS', 'COMPLETED', 'ON_HOLD', 'CANCELLED')),
    responsible_unit TEXT,
    partners TEXT NOT NULL DEFAULT '[]',
    pilot_areas TEXT NOT NULL DEFAULT '[]',
    cost_estimate_eur DOUBLE PRECISION CHECK (cost_estimate_eur >= 0),
    personnel_estimate_fte DOUBLE PRECISION CHECK (personnel_estimate_fte >= 0),
    realization_months INTEGER CHECK (realization_months >= 0),
    -- *_override: set explicitly; the plain columns hold the effective value
    -- (the override, else the legend's classification of the estimate), kept
    -- in step by the repository so that filters run in SQL.
    cost_category_override TEXT CHECK (cost_category_override IN ('LOW', 'MEDIUM', 'HIGH')),
    personnel_category_override TEXT CHECK (personnel_category_override IN ('LOW', 'MEDIUM', 'HIGH')),
    period_category_override TEXT CHECK (period_category_override IN ('SHORT', 'MEDIUM', 'LONG')),
    quick_win_override TEXT CHECK (quick_win_override IN ('YES', 'PARTIAL', 'NO', 'UNKNOWN')),
    cost_category TEXT CHECK (cost_category IN ('LOW', 'MEDIUM', 'HIGH')),
    personnel_category TEXT CHECK (personnel_category IN ('LOW', 'MEDIUM', 'HIGH')),
    period_category TEXT CHECK (period_category IN ('SHORT', 'MEDIUM', 'LONG')),
    quick_win TEXT NOT NULL CHECK (quick_win IN ('YES', 'PARTIAL', 'NO', 'UNKNOWN')),
    search_text TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    archived_at TIMESTAMP,
    UNIQUE (plan_id, code)
);
CREATE INDEX measures_working_group_idx ON measures (working_group_id);
CREATE INDEX measures_plan_position_idx ON measures (plan_id, position);

CREATE TABLE measure_relations (
    measure_id BIGINT NOT NULL REFERENCES measures (id) ON DELETE CASCADE,
    related_measure_id BIGINT NOT NULL REFERENCES measures (id) ON DELETE CASCADE,
    note TEXT,
    PRIMARY KEY (measure_id, related_measure_id),
    CHECK (measure_id <> related_measure_id)
);
CREATE INDEX measure_relations_related_idx ON measure_relations (related_measure_id);

CREATE TABLE goals (
    id BIGSERIAL PRIMARY KEY,
    measure_id BIGINT NOT NULL REFERENCES measures (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    text TEXT NOT NULL,
    category TEXT,
    timing_phrase TEXT,
    timing_kind TEXT NOT NULL CHECK (timing_kind IN ('BY', 'FROM', 'DURING', 'NONE')),
    starts_on DATE,
    due_on DATE,
    status TEXT NOT NULL CHECK (status IN ('OPEN', 'IN_PROGRESS', 'ACHIEVED', 'MISSED', 'DROPPED')),
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    archived_at TIMESTAMP
);
CREATE INDEX goals_measure_idx ON goals (measure_id, position);
CREATE INDEX goals_due_on_idx ON goals (due_on);

CREATE TABLE kpis (
    id BIGSERIAL PRIMARY KEY,
    measure_id BIGINT NOT NULL REFERENCES measures (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    unit TEXT,
    value_type TEXT NOT NULL CHECK (value_type IN ('NUMBER', 'PERCENT', 'MILESTONE')),
    direction TEXT NOT NULL CHECK (direction IN ('INCREASE', 'DECREASE', 'NONE')),
    baseline_value DOUBLE PRECISION,
    baseline_observed_on DATE,
    baseline_note TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    archived_at TIMESTAMP,
    UNIQUE (measure_id, name)
);

CREATE TABLE kpi_targets (
    id BIGSERIAL PRIMARY KEY,
    kpi_id BIGINT NOT NULL REFERENCES kpis (id) ON DELETE CASCADE,
    value DOUBLE PRECISION NOT NULL,
    due_on DATE NOT NULL,
    note TEXT,
    UNIQUE (kpi_id, due_on)
);

CREATE TABLE kpi_values (
    id BIGSERIAL PRIMARY KEY,
    kpi_id BIGINT NOT NULL REFERENCES kpis (id) ON DELETE CASCADE,
    observed_on DATE NOT NULL,
    value DOUBLE PRECISION NOT NULL,
    note TEXT,
    source TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (kpi_id, observed_on)
);
