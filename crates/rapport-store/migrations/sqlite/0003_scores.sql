-- Score runs (`rapport score`) and the scores they gave each party. Every run is kept, so a
-- party's health has a history and "needs attention" can compare the last two runs.

CREATE TABLE score_runs (
    org_id            BLOB NOT NULL REFERENCES orgs (id),
    id                BLOB NOT NULL,
    as_of             TEXT NOT NULL,
    started_at        TEXT NOT NULL,
    finished_at       TEXT NOT NULL,
    model             TEXT NOT NULL,
    currency          TEXT,
    customers         INTEGER NOT NULL,
    repeat_customers  INTEGER NOT NULL,
    fit               TEXT NOT NULL,
    insights          TEXT,
    PRIMARY KEY (org_id, id)
);
CREATE INDEX score_runs_as_of ON score_runs (org_id, as_of);

CREATE TABLE party_scores (
    org_id              BLOB NOT NULL,
    run_id              BLOB NOT NULL,
    party_id            BLOB NOT NULL,
    frequency           INTEGER NOT NULL,
    recency             REAL NOT NULL,
    age                 REAL NOT NULL,
    monetary            REAL NOT NULL,
    rfm_r               INTEGER NOT NULL,
    rfm_f               INTEGER NOT NULL,
    rfm_m               INTEGER NOT NULL,
    segment             TEXT NOT NULL,
    p_alive             REAL,
    expected_purchases  REAL,
    clv                 REAL,
    health              REAL NOT NULL,
    previous_health     REAL,
    components          TEXT NOT NULL,
    class               TEXT NOT NULL,
    reasons             TEXT NOT NULL,
    PRIMARY KEY (org_id, run_id, party_id),
    FOREIGN KEY (org_id, run_id) REFERENCES score_runs (org_id, id),
    FOREIGN KEY (org_id, party_id) REFERENCES parties (org_id, id)
);
CREATE INDEX party_scores_party ON party_scores (org_id, party_id, run_id);
CREATE INDEX party_scores_health ON party_scores (org_id, run_id, health, party_id);
