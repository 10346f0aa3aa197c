# shellcheck shell=bash
# The local PostgreSQL (Debian package, a cluster of its own). Sourced by scripts/services.sh, which sets the variables it uses.

# ---------------------------------------------------------------------------------------------
# PostgreSQL (Debian's package; a cluster of its own under $PG_RUN, run by the postgres user,
# since PostgreSQL refuses to run as root)

# The newest installed server's bin directory, or nothing.
postgres_bin() {
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  [[ -n "$d" && -x "$d/initdb" && -x "$d/pg_ctl" ]] && printf '%s\n' "$d"
}

postgres_install() {
  if postgres_bin >/dev/null && id postgres >/dev/null 2>&1; then return 0; fi
  log "installing postgresql with apt (one time)..."
  need_root "installing PostgreSQL"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -o DPkg::Lock::Timeout=300 >&2 || die "apt-get update failed"
  apt-get install -y -o DPkg::Lock::Timeout=300 postgresql >&2 || die "apt-get install postgresql failed"
  postgres_bin >/dev/null || die "PostgreSQL's initdb/pg_ctl still missing after apt-get install"
}

# As the postgres user, with the cluster's binaries first on PATH.
as_postgres() {
  runuser -u postgres -- env PATH="$(postgres_bin):$PATH" "$@"
}

postgres_ready() {
  local bin
  bin="$(postgres_bin)" || return 1
  "$bin/pg_isready" -q -h "$PG_HOST" -p "$PG_PORT" -t 2 >/dev/null 2>&1
}

postgres_pid() {
  local pid
  pid="$(head -n 1 "$PG_RUN/data/postmaster.pid" 2>/dev/null | tr -dc '0-9' || true)"
  pid_matches "$pid" "postgres" && printf '%s\n' "$pid"
}

# The sc role (the cluster's superuser: tests create and drop databases) and its database, and
# the sc_tls role, which pg_hba.conf admits only over TLS (postgres_tls_config).
postgres_setup() {
  local bin
  bin="$(postgres_bin)"
  PGPASSWORD="$DB_PASS" "$bin/psql" -h "$PG_HOST" -p "$PG_PORT" -U "$DB_USER" -d postgres -qc \
    "DO \$\$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$DB_TLS_USER') THEN CREATE ROLE $DB_TLS_USER LOGIN SUPERUSER PASSWORD '$DB_PASS'; END IF; END \$\$" \
    >&2 2>>"$PG_RUN/setup.log" || { tail_log "$PG_RUN/setup.log" 10; die "could not create the PostgreSQL role $DB_TLS_USER"; }
  if ! PGPASSWORD="$DB_PASS" "$bin/psql" -h "$PG_HOST" -p "$PG_PORT" -U "$DB_USER" -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" 2>>"$PG_RUN/setup.log" | grep -q 1; then
    PGPASSWORD="$DB_PASS" "$bin/psql" -h "$PG_HOST" -p "$PG_PORT" -U "$DB_USER" -d postgres -qc \
      "CREATE DATABASE $DB_NAME ENCODING 'UTF8' TEMPLATE template0" >&2 2>>"$PG_RUN/setup.log" \
      || { tail_log "$PG_RUN/setup.log" 10; die "could not create the PostgreSQL database $DB_NAME"; }
  fi
}

# TLS on (the test CA's server certificate) and the sc_tls role admitted over TLS only; kept in a file
# of its own that postgresql.conf includes, so a cluster made by an older services.sh gains it too.
# True when the running server must restart to read it.
postgres_tls_config() {
  local data="$PG_RUN/data" hba marker='# sc-project: the TLS-only role'
  tls_server_files postgres "$PG_RUN/tls"
  cat >"$data/sc-tls.conf" <<CONF
ssl = on
ssl_cert_file = '$PG_RUN/tls/server.crt'
ssl_key_file = '$PG_RUN/tls/server.key'
ssl_ca_file = '$PG_RUN/tls/ca.crt'
CONF
  chown postgres:postgres "$data/sc-tls.conf"
  grep -q "^include_if_exists = 'sc-tls.conf'" "$data/postgresql.conf" \
    || printf "include_if_exists = 'sc-tls.conf'\n" >>"$data/postgresql.conf"
  hba="$data/pg_hba.conf"
  if ! grep -qF "$marker" "$hba"; then
    # pg_hba.conf is read top down, first match wins: these go before initdb's lines.
    { printf '%s\nhostnossl all %s 0.0.0.0/0 reject\nhostssl all %s 127.0.0.1/32 scram-sha-256\n' "$marker" "$DB_TLS_USER" "$DB_TLS_USER"; cat "$hba"; } >"$hba.new"
    chown postgres:postgres "$hba.new"
    chmod 0600 "$hba.new"
    mv "$hba.new" "$hba"
  fi
}

postgres_has_tls() {
  [[ "$(PGPASSWORD="$DB_PASS" "$(postgres_bin)/psql" -h "$PG_HOST" -p "$PG_PORT" -U "$DB_USER" -d postgres -tAc 'SHOW ssl' 2>/dev/null)" == on ]]
}

postgres_up() {
  postgres_install
  need_root "starting PostgreSQL"
  # Its logs go here even when a PostgreSQL of another run dir already answers on the port
  # (install -d below gives it to the postgres user before a cluster is made in it).
  mkdir -p "$PG_RUN"
  if postgres_ready && [[ -f "$PG_RUN/data/PG_VERSION" ]] && ! postgres_has_tls; then
    log "PostgreSQL runs without TLS (started before TLS was set up); restarting it"
    postgres_tls_config
    as_postgres pg_ctl -D "$PG_RUN/data" -l "$PG_RUN/server.log" -m fast -w -t "$POSTGRES_TIMEOUT" restart >/dev/null 9>&- \
      || { tail_log "$PG_RUN/server.log"; die "PostgreSQL did not restart; log: $PG_RUN/server.log"; }
  fi
  if postgres_ready; then
    log "PostgreSQL already running on $PG_HOST:$PG_PORT"
    postgres_setup
    return 0
  fi
  if port_open "$PG_HOST" "$PG_PORT"; then
    die "port $PG_PORT is in use by something that is not a ready PostgreSQL"
  fi
  install -d -o postgres -g postgres -m 0700 "$PG_RUN"
  if [[ ! -f "$PG_RUN/data/PG_VERSION" ]]; then
    log "initialising a PostgreSQL cluster in $PG_RUN/data"
    rm -rf "$PG_RUN/data"
    # --pwfile must be a real file the postgres user can read (not a process substitution).
    printf '%s\n' "$DB_PASS" >"$PG_RUN/pwfile"
    chown postgres:postgres "$PG_RUN/pwfile"
    chmod 0600 "$PG_RUN/pwfile"
    as_postgres initdb -D "$PG_RUN/data" -U "$DB_USER" --pwfile="$PG_RUN/pwfile" -A scram-sha-256 -E UTF8 --locale=C.UTF-8 \
      >>"$PG_RUN/initdb.log" 2>&1 || { tail_log "$PG_RUN/initdb.log"; die "initdb failed"; }
    rm -f "$PG_RUN/pwfile"
    cat >>"$PG_RUN/data/postgresql.conf" <<CONF
listen_addresses = '$PG_HOST'
port = $PG_PORT
unix_socket_directories = '$PG_RUN'
max_connections = 200
shared_buffers = 256MB
CONF
  fi
  postgres_tls_config
  log "starting PostgreSQL on $PG_HOST:$PG_PORT ..."
  # pg_ctl -w waits until the server accepts connections (or fails with its log).
  as_postgres pg_ctl -D "$PG_RUN/data" -l "$PG_RUN/server.log" -w -t "$POSTGRES_TIMEOUT" start >/dev/null 9>&- \
    || { tail_log "$PG_RUN/server.log"; die "PostgreSQL did not start; log: $PG_RUN/server.log"; }
  postgres_ready || { tail_log "$PG_RUN/server.log"; die "PostgreSQL started but does not answer on $PG_HOST:$PG_PORT"; }
  postgres_setup
  log "PostgreSQL ready on $PG_HOST:$PG_PORT${PG_RUN:+ (data $PG_RUN/data)}"
}

postgres_down() {
  if [[ ! -f "$PG_RUN/data/postmaster.pid" ]]; then
    # Not this run dir's cluster (none runs, or another's answers on the port): nothing to stop.
    if postgres_ready; then log "PostgreSQL on $PG_HOST:$PG_PORT: not started from $RUN_DIR; left running"; else log "PostgreSQL: not running"; fi
    return 0
  fi
  log "stopping PostgreSQL..."
  as_postgres pg_ctl -D "$PG_RUN/data" -m fast -w -t 60 stop >/dev/null 2>&1 \
    || die "could not stop PostgreSQL (see $PG_RUN/server.log)"
  log "PostgreSQL stopped"
}
