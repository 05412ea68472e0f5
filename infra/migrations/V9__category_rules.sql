-- NuScape schema, version 9: each account's ordered category rules (first match wins), applied when usage
-- is read, so a change applies to all past data at once. The version rises with every change: API
-- instances keep the rules compiled and read only the version to know whether theirs are current.
CREATE TABLE category_rule_sets (
    account_id uuid        PRIMARY KEY REFERENCES accounts ON DELETE CASCADE,
    version    bigint      NOT NULL CHECK (version >= 1),
    updated_at timestamptz NOT NULL
);

CREATE TABLE category_rules (
    account_id uuid    NOT NULL REFERENCES category_rule_sets ON DELETE CASCADE,
    position   integer NOT NULL CHECK (position BETWEEN 0 AND 999),
    category   text    NOT NULL CHECK (length(category) BETWEEN 1 AND 50),
    kind       text    CHECK (length(kind) BETWEEN 1 AND 32),
    match      text    NOT NULL CHECK (match IN ('exact', 'prefix', 'suffix', 'domain')),
    pattern    text    NOT NULL CHECK (length(pattern) BETWEEN 1 AND 256),
    PRIMARY KEY (account_id, position)
);

GRANT SELECT, INSERT, UPDATE (version, updated_at) ON category_rule_sets TO nuscape_api;
GRANT SELECT, INSERT, DELETE ON category_rules TO nuscape_api;
