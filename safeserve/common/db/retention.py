"""Database triggers that keep audit events for the retention period: neither database lets
an audit event be updated, nor deleted before the county policy's ``audit_retention_days``
(at least 180; 网络安全法 第21条: network logs kept no less than six months). Older events
go only through ``manage.py audit_prune``, which records what it removed."""

DEFAULT_RETENTION_DAYS = 180
TRIGGER = "audit_event_append_only"
# The county's retention, or the default for the platform chain and counties without a policy.
RETENTION = (
    "COALESCE((SELECT audit_retention_days FROM common_countypolicy "
    "WHERE county_id = OLD.county_id), 180)"
)

POSTGRESQL = f"""
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'audit events are append-only';
    END IF;
    IF TG_OP = 'DELETE' AND OLD.created_at > now() - make_interval(days => {RETENTION}) THEN
        RAISE EXCEPTION 'audit events younger than the retention period cannot be deleted';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS {TRIGGER} ON audit_auditevent;
CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
"""

# Django stores SQLite datetimes as UTC text ("YYYY-MM-DD HH:MM:SS.ffffff"), which compares
# in time order with strftime's output. SQLite checks a trigger's tables whenever a migration
# rebuilds one, so its trigger holds the legal minimum itself rather than reading the county
# policy (a county's longer period is kept by audit_prune, and by PostgreSQL's trigger).
SQLITE_DELETE_TRIGGER = f"""
CREATE TRIGGER IF NOT EXISTS audit_event_retention BEFORE DELETE ON audit_auditevent
WHEN OLD.created_at > strftime('%Y-%m-%d %H:%M:%f', 'now', '-{DEFAULT_RETENTION_DAYS} days')
BEGIN
    SELECT RAISE(ABORT, 'audit events younger than the retention period cannot be deleted');
END;
"""
SQLITE_DROP_DELETE_TRIGGER = "DROP TRIGGER IF EXISTS audit_event_retention;"
