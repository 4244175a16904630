-- Retention: the cancellation-reason catalogue in every UI language, with its remedy's owner
-- and status; indexes for the cancellation reports (ended contracts by the day they ended,
-- holding what the top ten sum, so the report reads the index alone) and for buyer's remorse
-- (contracts by the day they were signed).

ALTER TABLE cancellation_reasons ADD COLUMN label_de TEXT;
ALTER TABLE cancellation_reasons ADD COLUMN label_fr TEXT;
ALTER TABLE cancellation_reasons ADD COLUMN label_el TEXT;
ALTER TABLE cancellation_reasons ADD COLUMN remedy_owner_id UUID;
ALTER TABLE cancellation_reasons ADD COLUMN remedy_status TEXT NOT NULL DEFAULT 'open';

CREATE INDEX contracts_ended ON contracts
    (org_id, cancelled_at, cancellation_reason, status, value_minor, currency, party_id, product_id);
CREATE INDEX contracts_signed ON contracts (org_id, signed_at);

-- The win-back lists: who is at risk of leaving and who has left, with the reasons and the
-- value at stake or lost; rebuilt after every score run, and per customer on every
-- cancellation or withdrawal.
CREATE TABLE winback_entries (
    org_id          UUID NOT NULL REFERENCES orgs (id),
    list            TEXT NOT NULL,
    party_id        UUID NOT NULL,
    value           DOUBLE PRECISION NOT NULL,
    revenue_minor   BIGINT NOT NULL,
    reason_code     TEXT,
    reasons         JSONB NOT NULL,
    since           TIMESTAMPTZ,
    refreshed_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, list, party_id),
    CONSTRAINT winback_entries_party_fk FOREIGN KEY (org_id, party_id) REFERENCES parties (org_id, id)
);
CREATE INDEX winback_entries_value ON winback_entries (org_id, list, value, party_id);

-- A user's saved filters of the win-back lists: a name and the list's query string.
CREATE TABLE saved_filters (
    org_id      UUID NOT NULL REFERENCES orgs (id),
    id          UUID NOT NULL,
    user_id     UUID NOT NULL,
    list        TEXT NOT NULL,
    name        TEXT NOT NULL,
    query       TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, id),
    CONSTRAINT saved_filters_user_fk FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
);
CREATE UNIQUE INDEX saved_filters_name ON saved_filters (org_id, user_id, list, name);
