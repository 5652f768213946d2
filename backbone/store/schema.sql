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
-- accounts that sign in through an identity provider (OpenID Connect). failed_attempts and locked_until are no
-- longer used: failures are counted per email and address in sign_in_failures, so a stranger cannot lock an owner out.
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

-- Whether people must sign in: the row ('sign_in', 'on' | 'off'). The first account turns it on; only
-- `python -m backbone users sign-in off` turns it off (removing the last account leaves it on). With no row, sign-in
-- is on exactly when an account exists (stores from before the switch). See store/auth.py, sign_in_required.
CREATE TABLE IF NOT EXISTS sign_in_settings (
    key VARCHAR,
    value VARCHAR,
    changed_at TIMESTAMP
);

-- The sign-in record: every sign-in, refusal (of a sign-in, or of a write such as a partner's upload for another
-- organisation), sign-out and timeout; who (the email, when it is one), how (password or identity provider), from
-- which address (where Streamlit exposes it; empty for this computer) and why. Never a password or a token.
CREATE TABLE IF NOT EXISTS sign_in_record (
    recorded_at TIMESTAMP,
    event VARCHAR,
    email VARCHAR,
    method VARCHAR,
    address VARCHAR,
    detail VARCHAR
);

-- Wrong passwords in a row per email and visitor address, both only as a hash (an unknown email is counted like a
-- known one, so the answers cannot tell them apart): the waits grow for that pair, not for the account everywhere.
CREATE TABLE IF NOT EXISTS sign_in_failures (
    failure_key VARCHAR,
    email_key VARCHAR,
    failures INTEGER,
    wait_until TIMESTAMP,
    updated_at TIMESTAMP
);

-- Each sign-in through the identity provider (its browser cookie lives 30 days): the hash of its ID token's issuer,
-- subject, issue time and nonce, the account's role and partner when it began, when a page last ran for it (written
-- at most every eighth of the idle timeout), and when and why it ended (signed-out, timeout, removed, changed, or a
-- refusal: unverified, unregistered). An ended sign-in's cookie opens nothing.
CREATE TABLE IF NOT EXISTS sign_in_sessions (
    session_key VARCHAR,
    email VARCHAR,
    role VARCHAR,
    partner_code VARCHAR,
    started_at TIMESTAMP,
    last_seen TIMESTAMP,
    ended_at TIMESTAMP,
    end_reason VARCHAR
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

-- community_outcomes (every value, before suppression: what directors see), kept like public_outcomes: each load and
-- undo rewrites the rows of the tables it touched (backbone/store/privacy.py), so a director's first view after a load
-- reads a table instead of combining every observation in the store again.
CREATE TABLE IF NOT EXISTS kept_community_outcomes (
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

-- received_tables (partner x metric x period: how many current values, first and last received), kept like
-- kept_community_outcomes: each load and undo rewrites the rows of the tables it touched (backbone/store/received.py),
-- so the Partners page and submission_status read a small table instead of grouping every observation in the store.
CREATE TABLE IF NOT EXISTS kept_received_tables (
    partner_code VARCHAR,
    metric_code VARCHAR,
    period_label VARCHAR,
    current_values BIGINT,
    first_received_at TIMESTAMP,
    last_upload_at TIMESTAMP,
    last_upload_id VARCHAR
);

-- What partners and the public have been shown of each table (one metric in one period), so that a later version
-- keeps every hidden cell hidden and no two versions together give one away (backbone/store/published.py). One row
-- per published version of a table with hidden cells: its hidden cells with their values, and the sums that touch
-- them, each as Arrow IPC bytes.
CREATE TABLE IF NOT EXISTS suppression_history (
    metric_code VARCHAR,
    period_label VARCHAR,
    version INTEGER,
    values_fingerprint VARCHAR,
    hidden_fingerprint VARCHAR,
    published_at TIMESTAMP,
    hidden_cells BLOB,
    sums BLOB
);

-- Tables (a metric in a period) whose newest figures are held back from partners and the public: set beside the
-- versions published before they would let a hidden small number be worked out (backbone/store/holdback.py). Their
-- public rows stay as last published; every refresh of the table judges it again and removes the row once safe.
CREATE TABLE IF NOT EXISTS held_back (
    metric_code VARCHAR,
    period_label VARCHAR,
    held_since TIMESTAMP,
    judged_at TIMESTAMP,
    cells INTEGER,
    reason VARCHAR
);

-- Values once shown and since replaced (changed, hidden or gone): a cell hidden later with the same value hides nothing.
CREATE TABLE IF NOT EXISTS published_values (
    metric_code VARCHAR,
    period_label VARCHAR,
    geography VARCHAR,
    dimension VARCHAR,
    group_value VARCHAR,
    value DOUBLE,
    numerator DOUBLE,
    denominator DOUBLE,
    replaced_at TIMESTAMP
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

-- Turn-the-curve plans (backbone/store/plans.py), one per community outcome (dimension and group 'All') or per outcome
-- and group. Never updated in place: every save inserts a new version of each thing it changed, all under one change
-- number (change_seq, from the plan_seq counter) with who and when, and `removed` marks a removal. The latest version
-- at or before a moment is the thing as it stood then (queries/350-352: plans_as_of and its partners and actions).
CREATE TABLE IF NOT EXISTS plans (
    plan_id VARCHAR,
    metric_code VARCHAR,
    dimension VARCHAR,
    group_value VARCHAR,
    story VARCHAR,
    what_works VARCHAR,
    illustrative BOOLEAN,
    removed BOOLEAN,
    change_seq BIGINT,
    changed_by VARCHAR,
    changed_at TIMESTAMP
);

-- The partners with a role to play in a plan, and what each brings.
CREATE TABLE IF NOT EXISTS plan_partners (
    plan_id VARCHAR,
    partner_code VARCHAR,
    brings VARCHAR,
    removed BOOLEAN,
    change_seq BIGINT,
    changed_by VARCHAR,
    changed_at TIMESTAMP
);

-- A plan's actions: an owner partner, dates, a status (vocab.ACTION_STATUSES), a note, and the partner performance
-- measures that show whether it works. A partner's proposal waits (proposed) until a director accepts it.
CREATE TABLE IF NOT EXISTS plan_actions (
    action_id VARCHAR,
    plan_id VARCHAR,
    title VARCHAR,
    owner_code VARCHAR,
    start_date DATE,
    due_date DATE,
    status VARCHAR,
    note VARCHAR,
    measure_codes VARCHAR[],
    proposed BOOLEAN,
    proposed_by VARCHAR,
    removed BOOLEAN,
    change_seq BIGINT,
    changed_by VARCHAR,
    changed_at TIMESTAMP
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
-- 0 not taken, 1 being loaded by one process (the others wait for it), 2 loaded; plan_seq, the change number of
-- every plan save (store.plans), so two saves of one plan from two processes conflict instead of both landing.
INSERT INTO counters
SELECT name, 0 FROM (VALUES ('load_seq'), ('milestones_seeded'), ('demo_claimed'), ('plan_seq')) AS wanted(name)
WHERE name NOT IN (SELECT name FROM counters);

-- The community's own places and the places it compares itself with (catalog sheet Places). A file's rows for a
-- place named here as 'community' (or inside one) are loaded; 'comparison' places are loaded as benchmarks shown beside
-- the community, never summed into it; rows for other places are skipped with a count. With no places here, every
-- place a file names is loaded and summed into the community as before.
CREATE TABLE IF NOT EXISTS places (
    place VARCHAR,
    level VARCHAR,
    role VARCHAR
);

-- Other names files use for a place (matched case- and punctuation-insensitively): 'JCPS', 'Jefferson County (KY)'.
CREATE TABLE IF NOT EXISTS place_aliases (
    place VARCHAR,
    alias VARCHAR
);

-- Catalog-wide settings (catalog sheet Settings): fiscal_year_start_month (1-12, default 7).
CREATE TABLE IF NOT EXISTS catalog_settings (
    setting VARCHAR,
    value VARCHAR
);

-- Added with issue 13 (agency files): a metric's reporting frequency (annual, school year, fiscal year, quarter,
-- month; empty: periods as written), a partner's own fiscal-year start month, how a loaded row's place relates to the
-- community ('place' sums into it, 'part' lies inside a place, 'comparison' is a benchmark), and the mapping a load
-- used (the same file read with another mapping is not a duplicate).
ALTER TABLE metrics ADD COLUMN IF NOT EXISTS frequency VARCHAR;
ALTER TABLE partners ADD COLUMN IF NOT EXISTS fiscal_year_start INTEGER;
ALTER TABLE observations ADD COLUMN IF NOT EXISTS place_role VARCHAR;
ALTER TABLE uploads ADD COLUMN IF NOT EXISTS mapping_json VARCHAR;

-- Added with issue 15 (the upload page as an assistant): what a load did to the public figures (before -> after, with
-- the moves flagged), kept with its record (intake/impact.py).
ALTER TABLE uploads ADD COLUMN IF NOT EXISTS impact_json VARCHAR;

-- A partner's named recipe (issue 15): a confirmed mapping (JSON) and the shape of the files it reads (the folded
-- headers of every table read with it, JSON), applied by itself to a later file of the same shape.
CREATE TABLE IF NOT EXISTS recipes (
    recipe_id VARCHAR,
    partner_code VARCHAR,
    name VARCHAR,
    mapping_json VARCHAR,
    headers_json VARCHAR,
    saved_by VARCHAR,
    saved_at TIMESTAMP,
    upload_id VARCHAR,
    last_used_at TIMESTAMP
);
