-- xepc-orcd store, migration 4: the history of the traffic gateways report
-- in their check-ins (docs/orchestrator.md, "Usage history").
--
-- A check-in carries counters that grow from the gateway's start (ul_bytes,
-- dl_bytes, and per subscriber in "subscribers"); orcd turns each into the
-- bytes since the previous check-in and adds them to the row of the time
-- bucket it falls in (usage.resolution wide, bucket = its start in Unix
-- seconds).  subscriber is '' for the gateway's total, else an IMSI.  Rows
-- older than usage.retention are deleted, so the table holds at most
-- retention / resolution buckets per gateway and subscriber.
CREATE TABLE usage_history (
    network    TEXT   NOT NULL,
    gateway    TEXT   NOT NULL,
    subscriber TEXT   NOT NULL,
    bucket     BIGINT NOT NULL,
    ul_bytes   BIGINT NOT NULL,
    dl_bytes   BIGINT NOT NULL,
    ues        BIGINT NOT NULL, -- the most UEs reported in the bucket (gateway rows)
    PRIMARY KEY (network, gateway, subscriber, bucket)
);
-- A subscriber's history across gateways, and the pruning by age.
CREATE INDEX usage_history_subscriber ON usage_history (network, subscriber, bucket);
CREATE INDEX usage_history_bucket ON usage_history (bucket);
