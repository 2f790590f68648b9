#!/usr/bin/env bash
# A throwaway PostgreSQL + PostGIS cluster on the loopback interface, for the tests.
#
#   eval "$(scripts/postgis.sh start)"   # prints the export lines of the URL and the password file
#   scripts/postgis.sh stop [DIR]        # stops the cluster and removes DIR (default $PARKPLAN_PG_DIR)
#
# The cluster lives in a new temporary folder, listens on 127.0.0.1 only, on a free port, with
# its socket inside that folder. The database "parkplan_test" has PostGIS and belongs to the
# role "parkplan", which logs in with a random password kept in DIR/pgpass (PGPASSFILE); the
# tests run as that role, not as a superuser. As root, the server runs as the "postgres" user.
set -euo pipefail

PG_BIN="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
DATABASE=parkplan_test
ROLE=parkplan

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# initdb, start the server, make the role and the database with PostGIS (stops at a failure).
make_cluster() {
  local dir="$1" port="$2" password="$3"
  as_owner "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth-local=trust \
    --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 &&
    as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
      -o "-k $dir/socket -c listen_addresses=127.0.0.1 -p $port -c fsync=off" start >/dev/null &&
    as_owner "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir/socket" -p "$port" -U postgres \
      -d postgres >/dev/null <<SQL
CREATE ROLE $ROLE LOGIN PASSWORD '$password';
CREATE DATABASE $DATABASE OWNER $ROLE;
\\c $DATABASE
CREATE EXTENSION postgis;
SQL
}

start() {
  if [ ! -x "$PG_BIN/initdb" ]; then
    echo "postgis.sh: no PostgreSQL server found (PG_BIN=$PG_BIN); install postgresql and postgresql-15-postgis-3" >&2
    exit 2
  fi
  local dir port password
  dir="$(mktemp -d "${TMPDIR:-/tmp}/parkplan-pg.XXXXXX")"
  chmod 755 "$dir"
  mkdir "$dir/data" "$dir/socket"
  if [ "$(id -u)" -eq 0 ]; then chown -R postgres: "$dir"; fi
  port="$(free_port)"
  password="$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
  if ! make_cluster "$dir" "$port" "$password"; then
    cat "$dir"/*.log >&2 2>/dev/null || true
    stop "$dir"
    echo "postgis.sh: the cluster could not be started; see the log above" >&2
    exit 2
  fi
  (umask 077 && echo "127.0.0.1:$port:$DATABASE:$ROLE:$password" >"$dir/pgpass")
  echo "export PARKPLAN_PG_DIR=$dir"
  echo "export PGPASSFILE=$dir/pgpass"
  echo "export PARKPLAN_TEST_POSTGRES_URL=postgresql://$ROLE@127.0.0.1:$port/$DATABASE"
}

stop() {
  local dir="${1:-${PARKPLAN_PG_DIR:-}}"
  if [ -z "$dir" ] || [ ! -d "$dir/data" ]; then
    echo "postgis.sh: no cluster folder given; expected 'stop DIR' or PARKPLAN_PG_DIR" >&2
    exit 2
  fi
  as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *)
    echo "usage: scripts/postgis.sh start | stop [DIR]" >&2
    exit 2
    ;;
esac
