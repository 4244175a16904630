-- Org settings an admin changes (health-score weights now; withdrawal rules and thresholds
-- later): one JSON value per key, and when it changed (the audit log says who). Absent keys mean the defaults.

CREATE TABLE org_settings (
    org_id      BLOB NOT NULL REFERENCES orgs (id),
    key         TEXT NOT NULL,
    value       TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (org_id, key)
);
