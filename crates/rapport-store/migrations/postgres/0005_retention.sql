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
