-- NuScape schema, version 14: webhooks and their deliveries.
--
-- An alert is recorded before anything delivers it (V12, V13); recording it also queues one delivery per
-- webhook of the account subscribed to its type, in the same transaction (trigger below), whichever
-- function recorded it. Deliverers claim due deliveries for a lease (FOR UPDATE SKIP LOCKED: two never
-- take the same one at once), post them, and record the attempt. A deliverer that dies mid-delivery leaves
-- the delivery due again when its lease ends: delivery is at least once, receivers dedupe by alert_id.

-- secret: what signs the deliveries (NuScape-Signature). It cannot be kept as a hash, since signing needs it;
-- only the API (which makes it) and the alerts function (which signs with it) may read it.
CREATE TABLE webhooks (
    webhook_id uuid        PRIMARY KEY,
    account_id uuid        NOT NULL REFERENCES accounts ON DELETE CASCADE,
    url        text        NOT NULL CHECK (length(url) BETWEEN 8 AND 2048),
    events     text[]      NOT NULL CHECK (cardinality(events) BETWEEN 1 AND 4
                               AND events <@ ARRAY['limit.warning', 'limit.exceeded', 'quota.warning', 'quota.exceeded']),
    secret     text        NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX webhooks_by_account ON webhooks (account_id, created_at);

-- One row per (webhook, alert): the delivery log. status: pending (next_attempt_at is when it is due, or
-- when its current claim lapses), delivered, failed (retries ran out: 24 h after the alert).
CREATE TABLE webhook_deliveries (
    delivery_id     uuid        PRIMARY KEY,
    webhook_id      uuid        NOT NULL REFERENCES webhooks ON DELETE CASCADE,
    alert_id        uuid        NOT NULL REFERENCES alerts ON DELETE CASCADE,
    account_id      uuid        NOT NULL,
    status          text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        integer     NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL,
    next_attempt_at timestamptz NOT NULL,
    last_attempt_at timestamptz,
    last_status     integer,
    last_error      text CHECK (length(last_error) <= 500),
    completed_at    timestamptz,
    claim_id        uuid, -- the current claim's: only its attempt may be recorded
    UNIQUE (webhook_id, alert_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (webhook_id, created_at DESC);
CREATE INDEX webhook_deliveries_by_alert ON webhook_deliveries (alert_id);

-- On AWS every alert also goes to the stack's EventBridge bus; published_at says it went. Alerts raised
-- before the bus existed are not sent to it now.
ALTER TABLE alerts ADD COLUMN published_at timestamptz;
UPDATE alerts SET published_at = raised_at;
CREATE INDEX alerts_unpublished ON alerts (raised_at) WHERE published_at IS NULL;

-- Runs as the owner (SECURITY DEFINER), so that the roles that record alerts (drainer, alerts) need no
-- access to webhooks; it only ever inserts the deliveries of the new alert's own account.
CREATE FUNCTION queue_webhook_deliveries() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    INSERT INTO webhook_deliveries (delivery_id, webhook_id, alert_id, account_id, created_at, next_attempt_at)
    SELECT gen_random_uuid(), w.webhook_id, NEW.alert_id, NEW.account_id, NEW.raised_at, NEW.raised_at
    FROM webhooks w
    WHERE w.account_id = NEW.account_id AND NEW.type = ANY (w.events)
    ON CONFLICT (webhook_id, alert_id) DO NOTHING;
    RETURN NULL;
END;
$$;
REVOKE ALL ON FUNCTION queue_webhook_deliveries() FROM PUBLIC;
CREATE TRIGGER alerts_queue_webhooks AFTER INSERT ON alerts
    FOR EACH ROW EXECUTE FUNCTION queue_webhook_deliveries();

-- The API makes secrets and shows each once; it never reads one back.
GRANT SELECT (webhook_id, account_id, url, events, created_at), INSERT, DELETE ON webhooks TO nuscape_api;
GRANT SELECT ON webhook_deliveries TO nuscape_api;
-- The deliverer: reads webhooks (their secrets sign) and alerts, claims and records deliveries, marks
-- alerts published. It changes nothing else.
GRANT SELECT ON webhooks TO nuscape_alerts;
GRANT SELECT, UPDATE (attempts, next_attempt_at, last_attempt_at, last_status, last_error, status, completed_at, claim_id)
    ON webhook_deliveries TO nuscape_alerts;
GRANT UPDATE (published_at) ON alerts TO nuscape_alerts;
