-- Sign-in sessions of the web UI and personal API tokens. Only hashes of the secrets are stored:
-- a copy of the database does not let anyone sign in.

CREATE TABLE sessions (
    org_id      BLOB NOT NULL REFERENCES orgs (id),
    id_hash     TEXT NOT NULL,
    user_id     BLOB NOT NULL,
    csrf        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    PRIMARY KEY (org_id, id_hash),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
);
CREATE INDEX sessions_user ON sessions (org_id, user_id);

CREATE TABLE api_tokens (
    org_id        BLOB NOT NULL REFERENCES orgs (id),
    id            BLOB NOT NULL,
    user_id       BLOB NOT NULL,
    name          TEXT NOT NULL,
    token_hash    TEXT NOT NULL,
    prefix        TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    last_used_at  TEXT,
    revoked_at    TEXT,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
);
CREATE UNIQUE INDEX api_tokens_hash ON api_tokens (org_id, token_hash);
CREATE INDEX api_tokens_user ON api_tokens (org_id, user_id);
