-- What agent jobs' models spent (ADR 0045), counted from AgentTurn events: model replies
-- and their prompt and completion tokens, per tenant and day or month.
ALTER TABLE tenant_usage_daily
    ADD COLUMN agent_turns BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN prompt_tokens BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN completion_tokens BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tenant_usage_monthly
    ADD COLUMN agent_turns BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN prompt_tokens BIGINT NOT NULL DEFAULT 0,
    ADD COLUMN completion_tokens BIGINT NOT NULL DEFAULT 0;
