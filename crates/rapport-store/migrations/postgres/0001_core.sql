-- Rapport core schema (PostgreSQL). Append-only: never edit an applied migration, add a new one.
-- Every table is keyed by the tenant: org_id first in every primary, unique and foreign key.

CREATE TABLE orgs (
    id          UUID PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
    org_id        UUID NOT NULL REFERENCES orgs (id),
    id            UUID NOT NULL,
    email         TEXT NOT NULL,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    locale        TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    disabled      BOOLEAN NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, id)
);
CREATE UNIQUE INDEX users_email ON users (org_id, email);

CREATE TABLE parties (
    org_id              UUID NOT NULL REFERENCES orgs (id),
    id                  UUID NOT NULL,
    external_id         TEXT NOT NULL,
    kind                TEXT NOT NULL,
    name                TEXT NOT NULL,
    first_name          TEXT,
    last_name           TEXT,
    roles               TEXT NOT NULL,
    owner_id            UUID,
    lifecycle           TEXT NOT NULL,
    acquisition_channel TEXT,
    acquired_on         DATE,
    segment             TEXT,
    industry            TEXT,
    country             TEXT,
    city                TEXT,
    email               TEXT,
    phone               TEXT,
    tags                TEXT NOT NULL,
    attributes          JSONB NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, id),
    CONSTRAINT parties_owner_fk FOREIGN KEY (org_id, owner_id) REFERENCES users (org_id, id)
);
CREATE UNIQUE INDEX parties_external_id ON parties (org_id, external_id);
CREATE INDEX parties_name ON parties (org_id, name);
CREATE INDEX parties_email ON parties (org_id, email);

-- External ids of parties merged into another: later imports that name them still match.
CREATE TABLE party_aliases (
    org_id      UUID NOT NULL,
    external_id TEXT NOT NULL,
    party_id    UUID NOT NULL,
    PRIMARY KEY (org_id, external_id),
    FOREIGN KEY (org_id, party_id) REFERENCES parties (org_id, id)
);

CREATE TABLE party_links (
    org_id        UUID NOT NULL,
    id            UUID NOT NULL,
    external_id   TEXT NOT NULL,
    kind          TEXT NOT NULL,
    from_party_id UUID NOT NULL,
    to_party_id   UUID NOT NULL,
    job_title     TEXT,
    since         DATE,
    converted     BOOLEAN NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, from_party_id) REFERENCES parties (org_id, id),
    FOREIGN KEY (org_id, to_party_id) REFERENCES parties (org_id, id)
);
CREATE UNIQUE INDEX party_links_external_id ON party_links (org_id, external_id);
CREATE INDEX party_links_from ON party_links (org_id, from_party_id);
CREATE INDEX party_links_to ON party_links (org_id, to_party_id);

CREATE TABLE interactions (
    org_id      UUID NOT NULL,
    id          UUID NOT NULL,
    external_id TEXT NOT NULL,
    party_id    UUID NOT NULL,
    user_id     UUID,
    channel     TEXT NOT NULL,
    direction   TEXT NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL,
    subject     TEXT,
    notes       TEXT,
    sentiment   BIGINT,
    outcome     TEXT,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, party_id) REFERENCES parties (org_id, id),
    FOREIGN KEY (org_id, user_id) REFERENCES users (org_id, id)
);
CREATE UNIQUE INDEX interactions_external_id ON interactions (org_id, external_id);
CREATE INDEX interactions_party ON interactions (org_id, party_id, occurred_at);

CREATE TABLE products (
    org_id           UUID NOT NULL,
    id               UUID NOT NULL,
    sku              TEXT NOT NULL,
    name             TEXT NOT NULL,
    category         TEXT,
    list_price_minor BIGINT,
    currency         TEXT,
    PRIMARY KEY (org_id, id)
);
CREATE UNIQUE INDEX products_sku ON products (org_id, sku);

CREATE TABLE orders (
    org_id      UUID NOT NULL,
    id          UUID NOT NULL,
    external_id TEXT NOT NULL,
    party_id    UUID NOT NULL,
    ordered_at  TIMESTAMPTZ NOT NULL,
    channel     TEXT,
    currency    TEXT NOT NULL,
    PRIMARY KEY (org_id, id),
    CONSTRAINT orders_party_fk FOREIGN KEY (org_id, party_id) REFERENCES parties (org_id, id)
);
CREATE UNIQUE INDEX orders_external_id ON orders (org_id, external_id);
CREATE INDEX orders_party ON orders (org_id, party_id, ordered_at);

CREATE TABLE order_lines (
    org_id       UUID NOT NULL,
    order_id     UUID NOT NULL,
    line_no      BIGINT NOT NULL,
    product_id   UUID,
    sku          TEXT,
    quantity     BIGINT NOT NULL,
    amount_minor BIGINT NOT NULL,
    PRIMARY KEY (org_id, order_id, line_no),
    CONSTRAINT order_lines_order_fk FOREIGN KEY (org_id, order_id) REFERENCES orders (org_id, id),
    CONSTRAINT order_lines_product_fk FOREIGN KEY (org_id, product_id) REFERENCES products (org_id, id)
);

CREATE TABLE cancellation_reasons (
    org_id   UUID NOT NULL REFERENCES orgs (id),
    code     TEXT NOT NULL,
    label    TEXT NOT NULL,
    category TEXT NOT NULL,
    remedy   TEXT,
    PRIMARY KEY (org_id, code)
);

CREATE TABLE contracts (
    org_id              UUID NOT NULL,
    id                  UUID NOT NULL,
    external_id         TEXT NOT NULL,
    party_id            UUID NOT NULL,
    product_id          UUID,
    value_minor         BIGINT NOT NULL,
    currency            TEXT NOT NULL,
    signed_at           TIMESTAMPTZ NOT NULL,
    withdrawal_deadline TIMESTAMPTZ,
    delivery_due_at     TIMESTAMPTZ,
    delivered_at        TIMESTAMPTZ,
    ends_at             TIMESTAMPTZ,
    status              TEXT NOT NULL,
    cancelled_at        TIMESTAMPTZ,
    cancellation_reason TEXT,
    cancellation_note   TEXT,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, party_id) REFERENCES parties (org_id, id),
    FOREIGN KEY (org_id, product_id) REFERENCES products (org_id, id),
    FOREIGN KEY (org_id, cancellation_reason) REFERENCES cancellation_reasons (org_id, code)
);
CREATE UNIQUE INDEX contracts_external_id ON contracts (org_id, external_id);
CREATE INDEX contracts_party ON contracts (org_id, party_id);

CREATE TABLE survey_responses (
    org_id      UUID NOT NULL,
    id          UUID NOT NULL,
    external_id TEXT NOT NULL,
    party_id    UUID NOT NULL,
    kind        TEXT NOT NULL,
    score       BIGINT NOT NULL,
    comment     TEXT,
    answered_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, party_id) REFERENCES parties (org_id, id)
);
CREATE UNIQUE INDEX survey_responses_external_id ON survey_responses (org_id, external_id);
CREATE INDEX survey_responses_party ON survey_responses (org_id, party_id, answered_at);

CREATE TABLE cases (
    org_id      UUID NOT NULL,
    id          UUID NOT NULL,
    external_id TEXT NOT NULL,
    party_id    UUID NOT NULL,
    opened_at   TIMESTAMPTZ NOT NULL,
    closed_at   TIMESTAMPTZ,
    severity    TEXT NOT NULL,
    category    TEXT,
    status      TEXT NOT NULL,
    subject     TEXT,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, party_id) REFERENCES parties (org_id, id)
);
CREATE UNIQUE INDEX cases_external_id ON cases (org_id, external_id);
CREATE INDEX cases_party ON cases (org_id, party_id, opened_at);

CREATE TABLE tasks (
    org_id      UUID NOT NULL,
    id          UUID NOT NULL,
    external_id TEXT NOT NULL,
    party_id    UUID NOT NULL,
    assignee_id UUID,
    title       TEXT NOT NULL,
    due_on      DATE,
    status      TEXT NOT NULL,
    origin      TEXT,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, party_id) REFERENCES parties (org_id, id),
    FOREIGN KEY (org_id, assignee_id) REFERENCES users (org_id, id)
);
CREATE UNIQUE INDEX tasks_external_id ON tasks (org_id, external_id);
CREATE INDEX tasks_assignee ON tasks (org_id, assignee_id, status);
CREATE INDEX tasks_party ON tasks (org_id, party_id);

CREATE TABLE audit_log (
    org_id    UUID NOT NULL REFERENCES orgs (id),
    id        UUID NOT NULL,
    at        TIMESTAMPTZ NOT NULL,
    user_id   UUID,
    source    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id TEXT,
    action    TEXT NOT NULL,
    before    JSONB,
    after     JSONB,
    PRIMARY KEY (org_id, id)
);
CREATE INDEX audit_log_entity ON audit_log (org_id, entity, entity_id);
