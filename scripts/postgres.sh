#!/usr/bin/env bash
# PostgreSQL from Debian's packages: one cluster on 127.0.0.1, a role and a database for Kiln.
# Usage: postgres.sh start|secure|stop
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/config.sh"

PG_VERSION=$(ls /usr/lib/postgresql | sort -n | tail -1)
PG_PORT="${PG_PORT:-5432}"
DB_USER="${KILN_DB_USER:-kiln}"
DB_PASSWORD="$KILN_DB_PASSWORD"
DB_NAME="${KILN_DB_NAME:-kiln}"

pg_ready() { pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; }
as_postgres() { runuser -u postgres -- "$@"; }

case "${1:-start}" in
  start)
    if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$PG_VERSION main"; then
      pg_createcluster "$PG_VERSION" main -p "$PG_PORT" >/dev/null
    fi
    conf=/etc/postgresql/$PG_VERSION/main/conf.d/kiln.conf
    if [[ ! -f $conf ]]; then
      printf "listen_addresses = '127.0.0.1'\nport = %s\nmax_connections = 200\n" "$PG_PORT" >"$conf"
    fi
    pg_ready || pg_ctlcluster "$PG_VERSION" main start
    wait_for PostgreSQL 30 pg_ready
    as_postgres psql -q -p "$PG_PORT" -v ON_ERROR_STOP=1 <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
    CREATE ROLE $DB_USER LOGIN CREATEDB;
  END IF;
END \$\$;
-- The per-install secret, every start: an install made with a committed password loses it.
ALTER ROLE $DB_USER PASSWORD '$DB_PASSWORD';
SQL
    if ! as_postgres psql -p "$PG_PORT" -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" | grep -q 1; then
      as_postgres createdb -p "$PG_PORT" -O "$DB_USER" "$DB_NAME"
    fi
    ;;
  secure)
    # After the migrations: the audit log belongs to a role nobody signs in as. Kiln's role may
    # read it and append to it, and remove old events only through kiln_audit_prune (retention).
    as_postgres psql -q -p "$PG_PORT" -d "$DB_NAME" -v ON_ERROR_STOP=1 <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${DB_USER}_audit') THEN
    CREATE ROLE ${DB_USER}_audit NOLOGIN;
  END IF;
END \$\$;
-- Kiln's role owns the database, which in PostgreSQL 15 makes it the owner of schema public,
-- and a schema's owner may drop any table in it. The schema goes to the superuser; Kiln keeps
-- the right to create (and so own, and migrate) its other tables there.
ALTER SCHEMA public OWNER TO postgres;
GRANT USAGE, CREATE ON SCHEMA public TO $DB_USER;
ALTER TABLE audit_events OWNER TO ${DB_USER}_audit;
ALTER FUNCTION kiln_audit_prune(integer) OWNER TO ${DB_USER}_audit;
REVOKE ALL ON audit_events FROM PUBLIC, $DB_USER;
GRANT SELECT, INSERT ON audit_events TO $DB_USER;
GRANT USAGE ON SEQUENCE audit_events_id_seq TO $DB_USER;
REVOKE ALL ON FUNCTION kiln_audit_prune(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kiln_audit_prune(integer) TO $DB_USER;
SQL
    ;;
  stop) pg_ctlcluster "$PG_VERSION" main stop 2>/dev/null || true ;;
  *) echo "usage: $0 start|secure|stop" >&2; exit 2 ;;
esac
