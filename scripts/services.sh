#!/usr/bin/env bash
# Local Kafka (KRaft, single node) + MariaDB + PostgreSQL + a schema registry for development and tests, without Docker.
#
#   scripts/services.sh up      start all four (idempotent) and print the env
#   scripts/services.sh down    stop them (fine when nothing runs)
#   scripts/services.sh status  one line per service; exit 0 only when all are up
#   scripts/services.sh env     print the env
#
# The last lines `up` and `env` print on stdout are
#   export KAFKA_BROKERS=127.0.0.1:9092
#   export DATABASE_URL=mysql://sc:sc@127.0.0.1:3306/sc_project
#   export POSTGRES_URL=postgres://sc:sc@127.0.0.1:5432/sc_project
#   export SCHEMA_REGISTRY_URL=http://127.0.0.1:8085/apis/ccompat/v7   (Apicurio, Confluent's API)
#   export KAFKA_SASL_SSL_BROKERS=127.0.0.1:9094   (SASL_SSL, SCRAM-SHA-512)
#   export KAFKA_SSL_BROKERS=127.0.0.1:9095        (SSL)
#   export KAFKA_OAUTH_BROKERS=127.0.0.1:9096      (SASL_PLAINTEXT, OAUTHBEARER with unsigned test tokens)
#   export KAFKA_CA_FILE=<run dir>/tls/ca.crt    (the CA of both; server certificate for localhost, 127.0.0.1)
#   export KAFKA_SCRAM_USERNAME=sc-scram
#   export KAFKA_SCRAM_PASSWORD_FILE=<run dir>/kafka/scram.password
#   export DATABASE_TLS_URL=mysql://sc_tls:sc@127.0.0.1:3306/sc_project?ssl-mode=VERIFY_IDENTITY&ssl-ca=<CA>
#   export POSTGRES_TLS_URL=postgres://sc_tls:sc@127.0.0.1:5432/sc_project?sslmode=verify-full&sslrootcert=<CA>
#                    (sc_tls is admitted over TLS only; the servers present the same test CA's certificate)
# so callers can:  eval "$(scripts/services.sh up | grep '^export ')"
# Everything else goes to stderr.
#
# If KAFKA_BROKERS and DATABASE_URL are both set, `up` only waits until those addresses accept
# connections (POSTGRES_URL's too, when it is set) and prints them. (When they are exactly the local defaults above and nothing answers
# there, the local services are started as usual, so re-running `up` after an `eval` still works.)
#
# Environment knobs:
#   SC_CACHE    download cache, outside the repo   (default ~/.cache/sc-project)
#   SC_RUN_DIR  data, logs and pid files           (default /tmp/sc-project-services)
#   JAVA, MVN   binaries to use                    (default java, mvn)
#   SC_REGISTRY_PORT  the schema registry's port (default 8085)
#   SC_KAFKA_PORT, SC_KAFKA_CONTROLLER_PORT, SC_KAFKA_SASL_SSL_PORT, SC_KAFKA_SSL_PORT, SC_KAFKA_OAUTH_PORT
#               the broker's listeners (default 9092, 9093, 9094, 9095, 9096; with another SC_RUN_DIR,
#               a second broker)
#   MARIADB_BUFFER_POOL, MARIADB_LOG_FILE  InnoDB buffer pool and redo log size (default 1G, 512M;
#               the Debian defaults, 128M and 96M, make a write-heavy load page to disk)
set -euo pipefail

export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

KAFKA_VERSION=3.9.1
SLF4J_VERSION=1.7.36
CACHE_DIR="${SC_CACHE:-$HOME/.cache/sc-project}"
KAFKA_HOME="$CACHE_DIR/kafka-$KAFKA_VERSION"
KAFKA_LIBS="$KAFKA_HOME/libs"
KAFKA_POM_DIR="$CACHE_DIR/kafka-pom"
DEFAULT_RUN_DIR=/tmp/sc-project-services
RUN_DIR="${SC_RUN_DIR:-$DEFAULT_RUN_DIR}"
KAFKA_RUN="$RUN_DIR/kafka"
MARIADB_RUN="$RUN_DIR/mariadb"
PG_RUN="$RUN_DIR/postgres"
REGISTRY_RUN="$RUN_DIR/registry"
REGISTRY_VERSION=3.0.9
REGISTRY_HOME="$CACHE_DIR/apicurio-registry-$REGISTRY_VERSION"
JAVA="${JAVA:-java}"
MVN="${MVN:-mvn}"

KAFKA_HOST=127.0.0.1
KAFKA_PORT="${SC_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${SC_KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_SASL_SSL_PORT="${SC_KAFKA_SASL_SSL_PORT:-9094}"
KAFKA_SSL_PORT="${SC_KAFKA_SSL_PORT:-9095}"
KAFKA_OAUTH_PORT="${SC_KAFKA_OAUTH_PORT:-9096}"
REGISTRY_HOST=127.0.0.1
REGISTRY_PORT="${SC_REGISTRY_PORT:-8085}"
# The test CA and the server certificate (localhost, 127.0.0.1): the run dir's, for any service.
TLS_DIR="$RUN_DIR/tls"
# The SCRAM user of the SASL_SSL listener (a local test credential, like sc/sc for the databases;
# its password is generated once per run dir and handed out as a file, never printed).
KAFKA_SCRAM_USER=sc-scram
DB_HOST=127.0.0.1
DB_PORT=3306
DB_USER=sc
DB_PASS=sc
DB_NAME=sc_project
# A second login that the servers admit over TLS only (MariaDB REQUIRE SSL, PostgreSQL hostssl).
DB_TLS_USER=sc_tls
PG_HOST=127.0.0.1
PG_PORT=5432
DEFAULT_KAFKA_BROKERS="$KAFKA_HOST:$KAFKA_PORT"
DEFAULT_DATABASE_URL="mysql://$DB_USER:$DB_PASS@$DB_HOST:$DB_PORT/$DB_NAME"
DEFAULT_POSTGRES_URL="postgres://$DB_USER:$DB_PASS@$PG_HOST:$PG_PORT/$DB_NAME"

KAFKA_TIMEOUT=90
MARIADB_TIMEOUT=60
POSTGRES_TIMEOUT=60
REGISTRY_TIMEOUT=90
EXTERNAL_TIMEOUT=90

# Jars that must be present for the cache to count as complete.
KAFKA_REQUIRED_JARS=("kafka_2.13-$KAFKA_VERSION.jar" "kafka-tools-$KAFKA_VERSION.jar" "slf4j-reload4j-$SLF4J_VERSION.jar")
# kafka_2.13 3.9.x no longer ships TopicCommand; it lives in org.apache.kafka:kafka-tools.
TOPIC_COMMAND_CLASS=org.apache.kafka.tools.TopicCommand

# ---------------------------------------------------------------------------------------------
# the services, one file each (helpers first)

SERVICES_LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/services"
for f in lib tls kafka mariadb postgres registry; do
  # shellcheck source=/dev/null
  source "$SERVICES_LIB/$f.sh"
done

# ---------------------------------------------------------------------------------------------
# what `up` and `env` print

print_env() {
  printf 'export KAFKA_BROKERS=%q\n' "$1"
  printf 'export DATABASE_URL=%q\n' "$2"
  printf 'export POSTGRES_URL=%q\n' "$3"
  printf 'export SCHEMA_REGISTRY_URL=%q\n' "${4:-http://$REGISTRY_HOST:$REGISTRY_PORT/apis/ccompat/v7}"
}

# The secured listeners' addresses, CA and SCRAM user, and the TLS-only database logins: the local ones, or (external services)
# whatever the environment already says.
print_security_env() {
  local v
  if [[ "${1:-}" == local ]]; then
    printf 'export KAFKA_SASL_SSL_BROKERS=%q\n' "$KAFKA_HOST:$KAFKA_SASL_SSL_PORT"
    printf 'export KAFKA_SSL_BROKERS=%q\n' "$KAFKA_HOST:$KAFKA_SSL_PORT"
    printf 'export KAFKA_OAUTH_BROKERS=%q\n' "$KAFKA_HOST:$KAFKA_OAUTH_PORT"
    printf 'export KAFKA_CA_FILE=%q\n' "$TLS_DIR/ca.crt"
    printf 'export KAFKA_SCRAM_USERNAME=%q\n' "$KAFKA_SCRAM_USER"
    printf 'export KAFKA_SCRAM_PASSWORD_FILE=%q\n' "$KAFKA_RUN/scram.password"
    printf 'export DATABASE_TLS_URL=%q\n' "mysql://$DB_TLS_USER:$DB_PASS@$DB_HOST:$DB_PORT/$DB_NAME?ssl-mode=VERIFY_IDENTITY&ssl-ca=$TLS_DIR/ca.crt"
    printf 'export POSTGRES_TLS_URL=%q\n' "postgres://$DB_TLS_USER:$DB_PASS@$PG_HOST:$PG_PORT/$DB_NAME?sslmode=verify-full&sslrootcert=$TLS_DIR/ca.crt"
    return 0
  fi
  for v in KAFKA_SASL_SSL_BROKERS KAFKA_SSL_BROKERS KAFKA_OAUTH_BROKERS KAFKA_CA_FILE KAFKA_SCRAM_USERNAME KAFKA_SCRAM_PASSWORD_FILE DATABASE_TLS_URL POSTGRES_TLS_URL; do
    [[ -z "${!v:-}" ]] || printf 'export %s=%q\n' "$v" "${!v}"
  done
}

# ---------------------------------------------------------------------------------------------
# external services (KAFKA_BROKERS + DATABASE_URL given)

# Print "host port" pairs for a broker list like "a:9092,b:9093".
brokers_hostports() {
  local b IFS=','
  for b in $1; do
    b="${b#*://}"
    [[ -n "$b" ]] || continue
    printf '%s %s\n' "${b%:*}" "${b##*:}"
  done
}

# Print "host port" of a mysql:// or postgres://user:pass@host:port/db URL (default port: $2 or 3306).
dburl_hostport() {
  local rest="${1#*://}" hp host port
  rest="${rest##*@}"
  hp="${rest%%/*}"
  hp="${hp%%\?*}"
  host="${hp%:*}"
  port="${hp##*:}"
  if [[ "$hp" != *:* ]]; then host="$hp"; port="${2:-3306}"; fi
  printf '%s %s\n' "$host" "$port"
}

all_accepting() {
  local host port
  while read -r host port; do
    [[ -n "$host" ]] || continue
    port_open "$host" "$port" || return 1
  done < <(brokers_hostports "$KAFKA_BROKERS"; dburl_hostport "$DATABASE_URL"; [[ -z "${POSTGRES_URL:-}" ]] || dburl_hostport "$POSTGRES_URL" 5432)
}

external_mode() {
  [[ -n "${KAFKA_BROKERS:-}" && -n "${DATABASE_URL:-}" ]]
}

external_up() {
  log "using KAFKA_BROKERS=$KAFKA_BROKERS and DATABASE_URL from the environment; waiting for them..."
  local deadline=$(( $(now) + EXTERNAL_TIMEOUT ))
  until all_accepting; do
    [[ $(now) -lt $deadline ]] || die "KAFKA_BROKERS/DATABASE_URL did not accept connections within ${EXTERNAL_TIMEOUT}s"
    sleep 1
  done
  log "external services accept connections"
  print_env "$KAFKA_BROKERS" "$DATABASE_URL" "${POSTGRES_URL:-$DEFAULT_POSTGRES_URL}" "${SCHEMA_REGISTRY_URL:-}"
  print_security_env
}

# ---------------------------------------------------------------------------------------------
# commands

cmd_up() {
  if external_mode; then
    if [[ "$KAFKA_BROKERS" != "$DEFAULT_KAFKA_BROKERS" || "$DATABASE_URL" != "$DEFAULT_DATABASE_URL" ]] \
        || all_accepting; then
      external_up
      return 0
    fi
    log "KAFKA_BROKERS/DATABASE_URL are the local defaults but not answering; starting the local services"
  fi
  lock_run_dir
  tls_files
  mariadb_up
  postgres_up
  kafka_up
  registry_up
  print_env "$DEFAULT_KAFKA_BROKERS" "$DEFAULT_DATABASE_URL" "$DEFAULT_POSTGRES_URL"
  print_security_env local
}

cmd_down() {
  lock_run_dir
  local rc=0
  registry_down || rc=1
  kafka_down || rc=1
  mariadb_down || rc=1
  postgres_down || rc=1
  return $rc
}

cmd_status() {
  local ok=0 pid host port
  if external_mode && [[ "$KAFKA_BROKERS" != "$DEFAULT_KAFKA_BROKERS" || "$DATABASE_URL" != "$DEFAULT_DATABASE_URL" ]]; then
    local up=1
    while read -r host port; do port_open "$host" "$port" || up=0; done < <(brokers_hostports "$KAFKA_BROKERS")
    if [[ $up -eq 1 ]]; then echo "kafka: running ($KAFKA_BROKERS, external)"; else echo "kafka: stopped ($KAFKA_BROKERS, external)"; ok=1; fi
    read -r host port < <(dburl_hostport "$DATABASE_URL")
    if port_open "$host" "$port"; then echo "mariadb: running ($host:$port, external)"; else echo "mariadb: stopped ($host:$port, external)"; ok=1; fi
    if [[ -n "${POSTGRES_URL:-}" ]]; then
      read -r host port < <(dburl_hostport "$POSTGRES_URL" 5432)
      if port_open "$host" "$port"; then echo "postgres: running ($host:$port, external)"; else echo "postgres: stopped ($host:$port, external)"; ok=1; fi
    fi
    return $ok
  fi
  pid="$(kafka_pid || true)"
  if port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
    echo "kafka: running ($KAFKA_HOST:$KAFKA_PORT${pid:+, pid $pid}; SASL_SSL :$KAFKA_SASL_SSL_PORT, SSL :$KAFKA_SSL_PORT and OAUTHBEARER :$KAFKA_OAUTH_PORT $(kafka_secured_listeners && echo up || echo 'not listening'))"
  elif [[ -n "$pid" ]]; then
    echo "kafka: stopped (process $pid exists but $KAFKA_HOST:$KAFKA_PORT is not accepting)"; ok=1
  else
    echo "kafka: stopped ($KAFKA_HOST:$KAFKA_PORT)"; ok=1
  fi
  local_status_line mariadb "$DB_HOST" "$DB_PORT" "$(mariadb_pid || true)" || ok=1
  local_status_line postgres "$PG_HOST" "$PG_PORT" "$(postgres_pid || true)" || ok=1
  local_status_line registry "$REGISTRY_HOST" "$REGISTRY_PORT" "$(registry_pid || true)" || ok=1
  return $ok
}

# local_status_line NAME HOST PORT PID: the status line of a local server; false when not accepting.
local_status_line() {
  local name="$1" host="$2" port="$3" pid="$4"
  if port_open "$host" "$port"; then
    echo "$name: running ($host:$port${pid:+, pid $pid})"
    return 0
  fi
  if [[ -n "$pid" ]]; then
    echo "$name: stopped (process $pid exists but $host:$port is not accepting)"
  else
    echo "$name: stopped ($host:$port)"
  fi
  return 1
}

cmd_env() {
  if external_mode; then
    print_env "$KAFKA_BROKERS" "$DATABASE_URL" "${POSTGRES_URL:-$DEFAULT_POSTGRES_URL}" "${SCHEMA_REGISTRY_URL:-}"
    print_security_env
  else
    print_env "$DEFAULT_KAFKA_BROKERS" "$DEFAULT_DATABASE_URL" "$DEFAULT_POSTGRES_URL"
    print_security_env local
  fi
}

usage() {
  cat >&2 <<EOF
usage: $(basename "$0") up|down|status|env

  up      start Kafka $KAFKA_VERSION (KRaft, $KAFKA_HOST:$KAFKA_PORT), MariaDB ($DB_HOST:$DB_PORT),
          PostgreSQL ($PG_HOST:$PG_PORT) and a schema registry ($REGISTRY_HOST:$REGISTRY_PORT),
          idempotent; prints the 'export KAFKA_BROKERS=...', 'export DATABASE_URL=...',
          'export POSTGRES_URL=...' and 'export SCHEMA_REGISTRY_URL=...' lines last
  down    stop all four
  status  one line per service; exit 0 when all are up
  env     print the export lines

  eval "\$($(basename "$0") up | grep '^export ')"

  cache: $CACHE_DIR   run dir: $RUN_DIR
EOF
}

main() {
  local cmd="${1:-}"
  case "$cmd" in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    env) cmd_env ;;
    -h|--help|help) usage ;;
    *) usage; exit 2 ;;
  esac
}

main "$@"
