-- Per-tenant usage per UTC day and per month, and per-domain stats per tenant and day.
-- Counters only ever grow; each projection adds a batch's counts in the transaction
-- that moves its checkpoint, so every event is counted exactly once.

CREATE TABLE tenant_usage_daily (
    tenant             TEXT NOT NULL,
    day                DATE NOT NULL,
    submitted          BIGINT NOT NULL DEFAULT 0,
    attempts           BIGINT NOT NULL DEFAULT 0,
    retries            BIGINT NOT NULL DEFAULT 0,
    succeeded          BIGINT NOT NULL DEFAULT 0,
    failed             BIGINT NOT NULL DEFAULT 0,
    cancelled          BIGINT NOT NULL DEFAULT 0,
    dead_lettered      BIGINT NOT NULL DEFAULT 0,
    replayed           BIGINT NOT NULL DEFAULT 0,
    deferrals          BIGINT NOT NULL DEFAULT 0,
    robots_denials     BIGINT NOT NULL DEFAULT 0,
    result_bytes       BIGINT NOT NULL DEFAULT 0,
    webhooks_delivered BIGINT NOT NULL DEFAULT 0,
    webhooks_failed    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant, day)
);

-- `month` is the first day of the month (UTC).
CREATE TABLE tenant_usage_monthly (LIKE tenant_usage_daily INCLUDING DEFAULTS);
ALTER TABLE tenant_usage_monthly RENAME COLUMN day TO month;
ALTER TABLE tenant_usage_monthly ADD PRIMARY KEY (tenant, month);

-- requests: attempts started; errors: attempts failed.
CREATE TABLE domain_stats (
    tenant         TEXT NOT NULL,
    domain         TEXT NOT NULL,
    day            DATE NOT NULL,
    requests       BIGINT NOT NULL DEFAULT 0,
    succeeded      BIGINT NOT NULL DEFAULT 0,
    errors         BIGINT NOT NULL DEFAULT 0,
    robots_denials BIGINT NOT NULL DEFAULT 0,
    deferrals      BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant, domain, day)
);

CREATE INDEX domain_stats_by_day ON domain_stats (day, tenant);
