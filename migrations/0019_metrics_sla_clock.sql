-- The SLA target of an agent-opened ticket now runs from the customer's first message: the next
-- refresh recomputes every ticket.
DELETE FROM "metrics_refresh_state";
