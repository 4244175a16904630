-- Retention: the cancellation-reason catalogue in every UI language, with its remedy's owner
-- and status; indexes for the cancellation reports (ended contracts by the day they ended,
-- holding what the top ten sum, so the report reads the index alone) and for buyer's remorse
-- (contracts by the day they were signed).

ALTER TABLE cancellation_reasons ADD COLUMN label_de TEXT;
ALTER TABLE cancellation_reasons ADD COLUMN label_fr TEXT;
ALTER TABLE cancellation_reasons ADD COLUMN label_el TEXT;
ALTER TABLE cancellation_reasons ADD COLUMN remedy_owner_id BLOB;
ALTER TABLE cancellation_reasons ADD COLUMN remedy_status TEXT NOT NULL DEFAULT 'open';

CREATE INDEX contracts_ended ON contracts
    (org_id, cancelled_at, cancellation_reason, status, value_minor, currency, party_id, product_id);
CREATE INDEX contracts_signed ON contracts (org_id, signed_at);

-- The win-back lists: who is at risk of leaving and who has left, with the reasons and the
-- value at stake or lost; rebuilt after every score run, and per customer on every
-- cancellation or withdrawal.
CREATE TABLE winback_entries (
    org_id          BLOB NOT NULL REFERENCES orgs (id),
    list            TEXT NOT NULL,
    party_id        BLOB NOT NULL,
    value           REAL NOT NULL,
    revenue_minor   BIGINT NOT NULL,
    reason_code     TEXT,
    reasons         TEXT NOT NULL,
    since           TEXT,
    refreshed_at    TEXT NOT NULL,
    PRIMARY KEY (org_id, list, party_id),
    CONSTRAINT winback_entries_party_fk FOREIGN KEY (org_id, party_id) REFERENCES parties (org_id, id)
);
CREATE INDEX winback_entries_value ON winback_entries (org_id, list, value, party_id);

-- A user's saved filters of the win-back lists: a name and the list's query string.
CREATE TABLE saved_filters (
    org_id      BLOB NOT NULL REFERENCES orgs (id),
    id          BLOB NOT NULL,
    user_id     BLOB NOT NULL,
    list        TEXT NOT NULL,
    name        TEXT NOT NULL,
    query       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    CONSTRAINT saved_filters_user_fk FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
);
CREATE UNIQUE INDEX saved_filters_name ON saved_filters (org_id, user_id, list, name);

-- Win-back campaigns: who was targeted from which list, the random control group held out,
-- the offer per customer, the task of the manager who calls, and each contact attempt.
CREATE TABLE campaigns (
    org_id          BLOB NOT NULL REFERENCES orgs (id),
    id              BLOB NOT NULL,
    name            TEXT NOT NULL,
    list            TEXT NOT NULL,
    query           TEXT NOT NULL,
    status          TEXT NOT NULL,
    control_share   REAL NOT NULL,
    offers          TEXT NOT NULL,
    cost_minor      BIGINT NOT NULL,
    currency        TEXT NOT NULL,
    due_days        BIGINT NOT NULL,
    created_by      BLOB,
    created_at      TEXT NOT NULL,
    closed_at       TEXT,
    PRIMARY KEY (org_id, id)
);
CREATE UNIQUE INDEX campaigns_name ON campaigns (org_id, name);

CREATE TABLE campaign_members (
    org_id          BLOB NOT NULL,
    campaign_id     BLOB NOT NULL,
    party_id        BLOB NOT NULL,
    arm             TEXT NOT NULL,
    reason_code     TEXT,
    offer           TEXT,
    value           REAL NOT NULL,
    assignee_id     BLOB,
    due_on          TEXT,
    task_id         BLOB,
    outcome         TEXT,
    outcome_at      TEXT,
    attempts        BIGINT NOT NULL,
    PRIMARY KEY (org_id, campaign_id, party_id),
    CONSTRAINT campaign_members_campaign_fk FOREIGN KEY (org_id, campaign_id) REFERENCES campaigns (org_id, id),
    CONSTRAINT campaign_members_party_fk FOREIGN KEY (org_id, party_id) REFERENCES parties (org_id, id)
);
CREATE INDEX campaign_members_assignee ON campaign_members (org_id, assignee_id, campaign_id);

CREATE TABLE campaign_attempts (
    org_id          BLOB NOT NULL,
    id              BLOB NOT NULL,
    campaign_id     BLOB NOT NULL,
    party_id        BLOB NOT NULL,
    at              TEXT NOT NULL,
    outcome         TEXT NOT NULL,
    note            TEXT,
    user_id         BLOB,
    recorded_at     TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    CONSTRAINT campaign_attempts_member_fk FOREIGN KEY (org_id, campaign_id, party_id) REFERENCES campaign_members (org_id, campaign_id, party_id)
);
CREATE INDEX campaign_attempts_member ON campaign_attempts (org_id, campaign_id, party_id, at);
