from django.db import migrations

SQL = """
CREATE OR REPLACE FUNCTION siaga_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER accounts_auditentry_append_only
    BEFORE UPDATE OR DELETE ON accounts_auditentry
    FOR EACH ROW EXECUTE FUNCTION siaga_audit_append_only();
"""
REVERSE = """
DROP TRIGGER IF EXISTS accounts_auditentry_append_only ON accounts_auditentry;
DROP FUNCTION IF EXISTS siaga_audit_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_audit_log")]
    operations = [migrations.RunSQL(SQL, REVERSE)]
