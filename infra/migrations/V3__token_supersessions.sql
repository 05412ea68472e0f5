-- When each token generation of a device stopped being valid. Ingest refuses a rotated-away token through a
-- copy in Redis (min_gen), which can lag or be lost (a failed write after the commit, a Redis that lost its
-- data, a changed shard count); the drainer then drops the events of an entry whose token generation was
-- already superseded when ingest accepted it (the entry's recv), so such events are never counted.
CREATE TABLE device_token_supersessions (
    device_id     uuid        NOT NULL REFERENCES devices ON DELETE CASCADE,
    generation    bigint      NOT NULL,
    superseded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (device_id, generation)
);

GRANT SELECT ON device_token_supersessions TO nuscape_drainer;
GRANT INSERT ON device_token_supersessions TO nuscape_api;
-- Erasure leaves nothing of a device but its id: these rows go with the rest.
GRANT SELECT, DELETE ON device_token_supersessions TO nuscape_erasure;
