-- An approved reply whose delivery is held (blocked) counts with those waiting, not as failed:
-- the next refresh recomputes every ticket.
DELETE FROM "metrics_refresh_state";
