# shellcheck shell=bash
# The local MariaDB (Debian package). Sourced by scripts/services.sh, which sets the variables it uses.

# ---------------------------------------------------------------------------------------------
# MariaDB

mariadb_install() {
  if command -v mariadbd >/dev/null 2>&1 && command -v mariadb >/dev/null 2>&1 \
      && command -v mariadb-admin >/dev/null 2>&1; then
    return 0
  fi
  need_root "installing MariaDB"
  log "installing mariadb-server and mariadb-client with apt (one time)..."
  # Wait for another apt/dpkg (e.g. a background install) instead of failing on its lock.
  local end=$(( $(now) + 600 ))
  while pgrep -x apt-get >/dev/null 2>&1 || pgrep -x dpkg >/dev/null 2>&1 || pgrep -x apt >/dev/null 2>&1; do
    [[ $(now) -lt $end ]] || die "another apt-get/dpkg has been running for 10 minutes"
    log "waiting for another apt-get/dpkg to finish..."
    sleep 5
  done
  if ! command -v mariadbd >/dev/null 2>&1 || ! command -v mariadb >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update >&2 || die "apt-get update failed"
    apt-get install -y -o DPkg::Lock::Timeout=300 mariadb-server mariadb-client >&2 \
      || die "apt-get install mariadb-server mariadb-client failed"
  fi
  command -v mariadbd >/dev/null 2>&1 || die "mariadbd still missing after apt-get install"
}

mariadb_ping() {
  mariadb-admin --connect-timeout=2 ping >/dev/null 2>&1
}

mariadb_pid() {
  local pid
  if pid="$(read_pid "$MARIADB_RUN/mariadbd.pid")" && pid_matches "$pid" "mariadbd"; then
    printf '%s\n' "$pid"; return 0
  fi
  # The server's own pid file (also covers a server started by the package's init script).
  if pid="$(read_pid /run/mysqld/mysqld.pid)" && pid_matches "$pid" "mariadbd"; then
    printf '%s\n' "$pid"; return 0
  fi
  return 1
}

mariadb_setup_users() {
  local sql
  sql="CREATE USER IF NOT EXISTS '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$DB_PASS';
CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASS';
ALTER USER '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$DB_PASS';
ALTER USER '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASS';
GRANT ALL PRIVILEGES ON *.* TO '$DB_USER'@'127.0.0.1';
GRANT ALL PRIVILEGES ON *.* TO '$DB_USER'@'localhost';
CREATE USER IF NOT EXISTS '$DB_TLS_USER'@'127.0.0.1' IDENTIFIED BY '$DB_PASS' REQUIRE SSL;
CREATE USER IF NOT EXISTS '$DB_TLS_USER'@'localhost' IDENTIFIED BY '$DB_PASS' REQUIRE SSL;
GRANT ALL PRIVILEGES ON *.* TO '$DB_TLS_USER'@'127.0.0.1';
GRANT ALL PRIVILEGES ON *.* TO '$DB_TLS_USER'@'localhost';
CREATE DATABASE IF NOT EXISTS \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
FLUSH PRIVILEGES;"
  if ! mariadb --protocol=socket -uroot -e "$sql" >&2 2>>"$MARIADB_RUN/setup.log"; then
    # Not our server or no root socket access: fine if the sc user already works over TCP.
    if mariadb -h "$DB_HOST" -P "$DB_PORT" -u "$DB_USER" -p"$DB_PASS" -e 'select 1' "$DB_NAME" >/dev/null 2>&1; then
      log "could not run the user setup as root (see $MARIADB_RUN/setup.log), but $DB_USER can log in; continuing"
      return 0
    fi
    tail_log "$MARIADB_RUN/setup.log" 10
    die "could not create the MariaDB user/database as root over the socket"
  fi
}

# Whether the running server has TLS on (one an older services.sh started has not).
mariadb_has_tls() {
  [[ "$(mariadb --protocol=socket -uroot -N -e 'SELECT @@have_ssl' 2>/dev/null)" == YES ]]
}

mariadb_up() {
  local pid start
  start=$(now)
  mkdir -p "$MARIADB_RUN"
  mariadb_install
  need_root "starting MariaDB"
  tls_server_files mysql "$MARIADB_RUN/tls"

  if mariadb_ping && ! mariadb_has_tls && mariadb_pid >/dev/null; then
    log "MariaDB runs without TLS (started before TLS was set up); restarting it"
    mariadb_down
  fi
  if mariadb_ping; then
    pid="$(mariadb_pid || true)"
    log "MariaDB already running on $DB_HOST:$DB_PORT${pid:+ (pid $pid)}"
    mariadb_setup_users
    return 0
  fi
  if pid="$(mariadb_pid)"; then
    log "MariaDB (pid $pid) is starting; waiting..."
  else
    rm -f "$MARIADB_RUN/mariadbd.pid"
    if port_open "$DB_HOST" "$DB_PORT"; then
      die "port $DB_PORT is in use by something that does not answer on the local MariaDB socket"
    fi
    mkdir -p /run/mysqld
    chown mysql:mysql /run/mysqld
    if [[ ! -d /var/lib/mysql/mysql ]]; then
      log "initialising the MariaDB data directory /var/lib/mysql"
      mkdir -p /var/lib/mysql
      chown mysql:mysql /var/lib/mysql
      mariadb-install-db --user=mysql --datadir=/var/lib/mysql --skip-test-db \
        >>"$MARIADB_RUN/mariadb.log" 2>&1 || { tail_log "$MARIADB_RUN/mariadb.log"; die "mariadb-install-db failed"; }
    fi
    log "starting MariaDB on $DB_HOST:$DB_PORT ..."
    pid="$(start_detached "$MARIADB_RUN/mariadbd.pid" "$MARIADB_RUN/mariadb.log" \
      mariadbd --user=mysql --bind-address="$DB_HOST" --port="$DB_PORT" \
      --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
      --innodb-buffer-pool-size="${MARIADB_BUFFER_POOL:-1G}" --innodb-log-file-size="${MARIADB_LOG_FILE:-512M}" \
      --ssl-ca="$MARIADB_RUN/tls/ca.crt" --ssl-cert="$MARIADB_RUN/tls/server.crt" --ssl-key="$MARIADB_RUN/tls/server.key")" \
      || die "MariaDB did not start (no pid file)"
  fi

  local deadline=$(( start + MARIADB_TIMEOUT ))
  until mariadb_ping; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail_log "$MARIADB_RUN/mariadb.log"
      die "MariaDB (pid $pid) exited during startup; log: $MARIADB_RUN/mariadb.log"
    fi
    if [[ $(now) -ge $deadline ]]; then
      tail_log "$MARIADB_RUN/mariadb.log"
      die "MariaDB not ready after ${MARIADB_TIMEOUT}s; log: $MARIADB_RUN/mariadb.log"
    fi
    sleep 0.5
  done
  mariadb_setup_users
  log "MariaDB ready on $DB_HOST:$DB_PORT (pid $pid, $(( $(now) - start ))s)"
}

mariadb_down() {
  local pid=""
  # Another run dir's `down` (a second broker on other ports, say) leaves alone a MariaDB it did
  # not start: only the default run dir also stops one found by the system's pid file.
  if [[ "$RUN_DIR" != "$DEFAULT_RUN_DIR" ]] && ! pid_matches "$(read_pid "$MARIADB_RUN/mariadbd.pid" || true)" mariadbd; then
    log "MariaDB: not started from $RUN_DIR; left running"
    return 0
  fi
  pid="$(mariadb_pid || true)"
  if ! mariadb_ping && [[ -z "$pid" ]]; then
    rm -f "$MARIADB_RUN/mariadbd.pid"
    log "MariaDB: not running"
    return 0
  fi
  log "stopping MariaDB${pid:+ (pid $pid)}..."
  if command -v mariadb-admin >/dev/null 2>&1 && mariadb_ping; then
    timeout 60 mariadb-admin --connect-timeout=5 shutdown >/dev/null 2>&1 || true
  fi
  if [[ -n "$pid" ]] && ! wait_pid_exit "$pid" 30; then
    log "mariadb-admin shutdown did not stop it; sending TERM to pid $pid"
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_pid_exit "$pid" 30; then
      kill -KILL "$pid" 2>/dev/null || true
      wait_pid_exit "$pid" 10 || die "could not stop MariaDB (pid $pid)"
    fi
  fi
  if [[ -z "$pid" ]]; then
    # No pid known: wait for the socket to stop answering.
    local end=$(( $(now) + 30 ))
    while mariadb_ping && [[ $(now) -lt $end ]]; do sleep 0.5; done
  fi
  rm -f "$MARIADB_RUN/mariadbd.pid"
  log "MariaDB stopped"
}
