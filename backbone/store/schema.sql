-- Backbone's tables. Idempotent: run at every start; never drops or rewrites data.
-- Written for DuckDB files and DuckLake alike, so: no PRIMARY KEY / UNIQUE / FOREIGN KEY,
-- no sequences, no indexes, no defaults. Ids are made in Python; the loaders keep keys unique.

CREATE TABLE IF NOT EXISTS schema_info (
    key VARCHAR,
    value VARCHAR
);

CREATE TABLE IF NOT EXISTS partners (
    partner_code VARCHAR,
    name VARCHAR,
    sector VARCHAR,
    contact VARCHAR,
    updated_at TIMESTAMP
);

-- Which partner plays which backbone function, since when (the backbone is a function, not one organisation).
CREATE TABLE IF NOT EXISTS backbone_roles (
    partner_code VARCHAR,
    role VARCHAR,
    since DATE,
    note VARCHAR
);

-- The common agenda's indicators.
CREATE TABLE IF NOT EXISTS metrics (
    metric_code VARCHAR,
    name VARCHAR,
    definition VARCHAR,
    unit VARCHAR,
    direction VARCHAR,
    level VARCHAR,
    activity INTEGER,
    component VARCHAR,
    phase VARCHAR,
    horizon VARCHAR,
    rba VARCHAR,
    outcome_area VARCHAR,
    source VARCHAR,
    suppression_threshold INTEGER,
    notes VARCHAR,
    updated_at TIMESTAMP
);

-- Other names partners use for a metric (matched case- and punctuation-insensitively).
CREATE TABLE IF NOT EXISTS metric_aliases (
    metric_code VARCHAR,
    alias VARCHAR
);

-- Baselines and targets: kind is 'baseline' or 'target'.
CREATE TABLE IF NOT EXISTS targets (
    metric_code VARCHAR,
    geography VARCHAR,
    dimension VARCHAR,
    group_value VARCHAR,
    year INTEGER,
    kind VARCHAR,
    value DOUBLE
);

-- The phase x component checklist of collective impact.
CREATE TABLE IF NOT EXISTS milestones (
    milestone_id VARCHAR,
    phase VARCHAR,
    component VARCHAR,
    title VARCHAR,
    status VARCHAR,
    status_date DATE,
    note VARCHAR,
    updated_at TIMESTAMP
);

-- Which partner is expected to send which metric for which period, and by when. received_on records
-- data the backbone received before it used Backbone (backfilled history), so it is not judged late.
CREATE TABLE IF NOT EXISTS expectations (
    partner_code VARCHAR,
    metric_code VARCHAR,
    period_label VARCHAR,
    due_date DATE,
    received_on DATE
);

-- Who may sign in, in which role (director, partner, viewer), for which partner. password_hash is empty for
-- accounts that sign in through an identity provider (OpenID Connect). Failed attempts slow the next ones down.
CREATE TABLE IF NOT EXISTS accounts (
    email VARCHAR,
    role VARCHAR,
    partner_code VARCHAR,
    password_hash VARCHAR,
    failed_attempts INTEGER,
    locked_until TIMESTAMP,
    last_sign_in TIMESTAMP,
    created_at TIMESTAMP
);

-- community_outcomes as partners and the public may see it: small cells suppressed (with their reason),
-- complementary cells too, ends of small percents as "<=5%" / ">=95%", unstable rates flagged. Rebuilt in the
-- same transaction as every load, undo and catalog change (backbone/privacy.py), so it is never stale.
CREATE TABLE IF NOT EXISTS public_outcomes (
    metric_code VARCHAR,
    period_label VARCHAR,
    period_start DATE,
    period_end DATE,
    geography VARCHAR,
    dimension VARCHAR,
    group_value VARCHAR,
    value DOUBLE,
    numerator DOUBLE,
    denominator DOUBLE,
    suppressed BOOLEAN,
    suppression_marks VARCHAR,
    suppression_reason VARCHAR,
    display VARCHAR,
    unstable BOOLEAN,
    n_partners BIGINT,
    value_basis VARCHAR,
    last_updated TIMESTAMP
);

-- Every accepted load. load_seq orders loads (DuckLake has no sequences: the loader assigns it).
CREATE TABLE IF NOT EXISTS uploads (
    upload_id VARCHAR,
    load_seq INTEGER,
    kind VARCHAR,
    partner_code VARCHAR,
    uploaded_by VARCHAR,
    uploaded_at TIMESTAMP,
    file_name VARCHAR,
    sha256 VARCHAR,
    stored_path VARCHAR,
    status VARCHAR,
    rows_loaded INTEGER,
    rows_new INTEGER,
    rows_changed INTEGER,
    rows_unchanged INTEGER,
    rows_suppressed INTEGER,
    rows_missing INTEGER,
    replaced_uploads VARCHAR,
    undone_at TIMESTAMP,
    undone_by VARCHAR
);

-- Every value every upload carried; current_observations picks the latest per key.
CREATE TABLE IF NOT EXISTS observations (
    upload_id VARCHAR,
    partner_code VARCHAR,
    metric_code VARCHAR,
    period_label VARCHAR,
    period_start DATE,
    period_end DATE,
    geography VARCHAR,
    dimension VARCHAR,
    group_value VARCHAR,
    value DOUBLE,
    numerator DOUBLE,
    denominator DOUBLE,
    suppressed BOOLEAN,
    suppression_mark VARCHAR,
    note VARCHAR,
    source_sheet VARCHAR,
    source_row INTEGER
);

-- A partner's confirmed column mapping (JSON), remembered for its next upload; the newest per partner applies.
CREATE TABLE IF NOT EXISTS column_mappings (
    mapping_id VARCHAR,
    partner_code VARCHAR,
    mapping_json VARCHAR,
    upload_id VARCHAR,
    confirmed_by VARCHAR,
    confirmed_at TIMESTAMP
);

-- Saved presentations (the Present page): a name, its slides in order as JSON
-- ([{"kind": "curve"|"number"|"groups", "metric_code", "geography", "dimension"}]), who saved it and when.
-- Saving a deck under an existing name replaces it (backbone/slides.py keeps names unique).
CREATE TABLE IF NOT EXISTS decks (
    deck_id VARCHAR,
    name VARCHAR,
    slides_json VARCHAR,
    saved_by VARCHAR,
    saved_at TIMESTAMP
);

-- The partnership's map boundaries (the catalog's Boundaries sheet names the files): a GeoJSON or TopoJSON file as
-- loaded, checked to be longitude/latitude areas each named by `name_property` (intake/boundaries.py). A Boundaries
-- sheet replaces the whole list. area_names_json lists the names, so a place's area is found without parsing geometry.
CREATE TABLE IF NOT EXISTS boundaries (
    file_name VARCHAR,
    format VARCHAR,
    object_name VARCHAR,
    name_property VARCHAR,
    source VARCHAR,
    area_names_json VARCHAR,
    geometry_json VARCHAR,
    sha256 VARCHAR,
    loaded_at TIMESTAMP
);

-- Counters that must never hand out one number twice, even to processes writing a lake at the same moment
-- (store.next_load_seq): two updates of one row conflict, and the loser runs again.
CREATE TABLE IF NOT EXISTS counters (
    name VARCHAR,
    value BIGINT
);
-- The rows: load_seq (store.next_load_seq); milestones_seeded, bumped by whichever process refills empty milestone
-- cells at start (store._seed_milestones); demo_claimed, the demo load into an empty store (demo.ensure_demo):
-- 0 not taken, 1 being loaded by one process (the others wait for it), 2 loaded.
INSERT INTO counters
SELECT name, 0 FROM (VALUES ('load_seq'), ('milestones_seeded'), ('demo_claimed')) AS wanted(name)
WHERE name NOT IN (SELECT name FROM counters);
