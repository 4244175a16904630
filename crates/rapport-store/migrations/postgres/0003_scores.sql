-- Score runs (`rapport score`) and the scores they gave each party. Every run is kept, so a
-- party's health has a history and "needs attention" can compare the last two runs.

CREATE TABLE score_runs (
    org_id            UUID NOT NULL REFERENCES orgs (id),
    id                UUID NOT NULL,
    as_of             DATE NOT NULL,
    started_at        TIMESTAMPTZ NOT NULL,
    finished_at       TIMESTAMPTZ NOT NULL,
    model             TEXT NOT NULL,
    currency          TEXT,
    customers         BIGINT NOT NULL,
    repeat_customers  BIGINT NOT NULL,
    fit               JSONB NOT NULL,
    insights          JSONB,
    PRIMARY KEY (org_id, id)
);
CREATE INDEX score_runs_as_of ON score_runs (org_id, as_of);

CREATE TABLE party_scores (
    org_id              UUID NOT NULL,
    run_id              UUID NOT NULL,
    party_id            UUID NOT NULL,
    frequency           BIGINT NOT NULL,
    recency             DOUBLE PRECISION NOT NULL,
    age                 DOUBLE PRECISION NOT NULL,
    monetary            DOUBLE PRECISION NOT NULL,
    rfm_r               BIGINT NOT NULL,
    rfm_f               BIGINT NOT NULL,
    rfm_m               BIGINT NOT NULL,
    segment             TEXT NOT NULL,
    p_alive             DOUBLE PRECISION,
    expected_purchases  DOUBLE PRECISION,
    clv                 DOUBLE PRECISION,
    health              DOUBLE PRECISION NOT NULL,
    previous_health     DOUBLE PRECISION,
    components          JSONB NOT NULL,
    class               TEXT NOT NULL,
    reasons             JSONB NOT NULL,
    PRIMARY KEY (org_id, run_id, party_id),
    FOREIGN KEY (org_id, run_id) REFERENCES score_runs (org_id, id),
    FOREIGN KEY (org_id, party_id) REFERENCES parties (org_id, id)
);
CREATE INDEX party_scores_party ON party_scores (org_id, party_id, run_id);
CREATE INDEX party_scores_health ON party_scores (org_id, run_id, health, party_id);
