#!/usr/bin/env bash
# Local Kafka (KRaft, single node) + MariaDB + PostgreSQL for development and tests, without Docker.
#
#   scripts/services.sh up      start all three (idempotent) and print the env
#   scripts/services.sh down    stop them (fine when nothing runs)
#   scripts/services.sh status  one line per service; exit 0 only when all are up
#   scripts/services.sh env     print the env
#
# The last lines `up` and `env` print on stdout are
#   export KAFKA_BROKERS=127.0.0.1:9092
#   export DATABASE_URL=mysql://sc:sc@127.0.0.1:3306/sc_project
#   export POSTGRES_URL=postgres://sc:sc@127.0.0.1:5432/sc_project
#   export KAFKA_SASL_SSL_BROKERS=127.0.0.1:9094   (SASL_SSL, SCRAM-SHA-512)
#   export KAFKA_SSL_BROKERS=127.0.0.1:9095        (SSL)
#   export KAFKA_CA_FILE=<run dir>/tls/ca.crt    (the CA of both; server certificate for localhost, 127.0.0.1)
#   export KAFKA_SCRAM_USERNAME=sc-scram
#   export KAFKA_SCRAM_PASSWORD_FILE=<run dir>/kafka/scram.password
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
#   SC_KAFKA_PORT, SC_KAFKA_CONTROLLER_PORT, SC_KAFKA_SASL_SSL_PORT, SC_KAFKA_SSL_PORT  the broker's
#               listeners (default 9092, 9093, 9094, 9095; with another SC_RUN_DIR, a second broker)
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
RUN_DIR="${SC_RUN_DIR:-/tmp/sc-project-services}"
KAFKA_RUN="$RUN_DIR/kafka"
MARIADB_RUN="$RUN_DIR/mariadb"
PG_RUN="$RUN_DIR/postgres"
JAVA="${JAVA:-java}"
MVN="${MVN:-mvn}"

KAFKA_HOST=127.0.0.1
KAFKA_PORT="${SC_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${SC_KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_SASL_SSL_PORT="${SC_KAFKA_SASL_SSL_PORT:-9094}"
KAFKA_SSL_PORT="${SC_KAFKA_SSL_PORT:-9095}"
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
PG_HOST=127.0.0.1
PG_PORT=5432
DEFAULT_KAFKA_BROKERS="$KAFKA_HOST:$KAFKA_PORT"
DEFAULT_DATABASE_URL="mysql://$DB_USER:$DB_PASS@$DB_HOST:$DB_PORT/$DB_NAME"
DEFAULT_POSTGRES_URL="postgres://$DB_USER:$DB_PASS@$PG_HOST:$PG_PORT/$DB_NAME"

KAFKA_TIMEOUT=90
MARIADB_TIMEOUT=60
POSTGRES_TIMEOUT=60
EXTERNAL_TIMEOUT=90

# Jars that must be present for the cache to count as complete.
KAFKA_REQUIRED_JARS=("kafka_2.13-$KAFKA_VERSION.jar" "kafka-tools-$KAFKA_VERSION.jar" "slf4j-reload4j-$SLF4J_VERSION.jar")
# kafka_2.13 3.9.x no longer ships TopicCommand; it lives in org.apache.kafka:kafka-tools.
TOPIC_COMMAND_CLASS=org.apache.kafka.tools.TopicCommand

# ---------------------------------------------------------------------------------------------
# helpers

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

now() { date +%s; }

# port_open HOST PORT: true when a TCP connection succeeds within ~1 s.
port_open() {
  timeout 1 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" >/dev/null 2>&1
}

# read_pid FILE: print the pid stored in FILE if it is a number.
read_pid() {
  local f="$1" pid
  [[ -f "$f" ]] || return 1
  pid="$(tr -dc '0-9' <"$f" 2>/dev/null || true)"
  [[ -n "$pid" ]] || return 1
  printf '%s\n' "$pid"
}

# pid_matches PID PATTERN: process alive and its command line contains PATTERN
# (guards against stale pid files whose pid got reused).
pid_matches() {
  local pid="$1" pattern="$2" cmd
  [[ -n "$pid" ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
  [[ "$cmd" == *"$pattern"* ]]
}

# tail_log FILE [N]: last lines of a log, to stderr.
tail_log() {
  local f="$1" n="${2:-40}"
  if [[ -s "$f" ]]; then
    printf -- '----- last %s lines of %s -----\n' "$n" "$f" >&2
    tail -n "$n" "$f" >&2 || true
    printf -- '-----\n' >&2
  fi
}

# wait_pid_exit PID SECONDS: true when the process is gone within the time.
wait_pid_exit() {
  local pid="$1" secs="$2" end
  end=$(( $(now) + secs ))
  while kill -0 "$pid" 2>/dev/null; do
    [[ $(now) -lt $end ]] || return 1
    sleep 0.2
  done
  return 0
}

print_env() {
  printf 'export KAFKA_BROKERS=%q\n' "$1"
  printf 'export DATABASE_URL=%q\n' "$2"
  printf 'export POSTGRES_URL=%q\n' "$3"
}

# The secured listeners' addresses, CA and SCRAM user: the local broker's, or (external services)
# whatever the environment already says.
print_kafka_security_env() {
  local v
  if [[ "${1:-}" == local ]]; then
    printf 'export KAFKA_SASL_SSL_BROKERS=%q\n' "$KAFKA_HOST:$KAFKA_SASL_SSL_PORT"
    printf 'export KAFKA_SSL_BROKERS=%q\n' "$KAFKA_HOST:$KAFKA_SSL_PORT"
    printf 'export KAFKA_CA_FILE=%q\n' "$TLS_DIR/ca.crt"
    printf 'export KAFKA_SCRAM_USERNAME=%q\n' "$KAFKA_SCRAM_USER"
    printf 'export KAFKA_SCRAM_PASSWORD_FILE=%q\n' "$KAFKA_RUN/scram.password"
    return 0
  fi
  for v in KAFKA_SASL_SSL_BROKERS KAFKA_SSL_BROKERS KAFKA_CA_FILE KAFKA_SCRAM_USERNAME KAFKA_SCRAM_PASSWORD_FILE; do
    [[ -z "${!v:-}" ]] || printf 'export %s=%q\n' "$v" "${!v}"
  done
}

need_root() {
  [[ ${EUID:-$(id -u)} -eq 0 ]] || die "$1 needs root (or set KAFKA_BROKERS and DATABASE_URL to existing services)"
}

lock_run_dir() {
  mkdir -p "$RUN_DIR"
  exec 9>"$RUN_DIR/.lock"
  if ! flock -w 300 9; then die "could not lock $RUN_DIR/.lock (another services.sh running?)"; fi
}

# ---------------------------------------------------------------------------------------------
# Kafka

kafka_jars_present() {
  local j
  for j in "${KAFKA_REQUIRED_JARS[@]}"; do [[ -f "$KAFKA_LIBS/$j" ]] || return 1; done
}

kafka_fetch() {
  if kafka_jars_present; then return 0; fi
  command -v "$MVN" >/dev/null 2>&1 || die "Maven ('$MVN') not found; it is needed once to fetch the Kafka jars"
  command -v "$JAVA" >/dev/null 2>&1 || die "Java ('$JAVA') not found"
  log "fetching Apache Kafka $KAFKA_VERSION jars with Maven into $KAFKA_LIBS (one time)..."
  mkdir -p "$KAFKA_POM_DIR" "$KAFKA_HOME"
  cat >"$KAFKA_POM_DIR/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <!-- throw-away pom generated by scripts/services.sh: only used to download the Kafka jars -->
  <modelVersion>4.0.0</modelVersion>
  <groupId>sc</groupId><artifactId>kafka-deps</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>$SLF4J_VERSION</version></dependency>
    <!-- for the kafka-topics CLI (TopicCommand); Connect runtime and JAX-RS are not needed for it -->
    <dependency>
      <groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$KAFKA_VERSION</version>
      <exclusions>
        <exclusion><groupId>org.apache.kafka</groupId><artifactId>connect-runtime</artifactId></exclusion>
        <exclusion><groupId>com.fasterxml.jackson.jaxrs</groupId><artifactId>jackson-jaxrs-json-provider</artifactId></exclusion>
      </exclusions>
    </dependency>
  </dependencies>
</project>
EOF
  local tmp="$KAFKA_HOME/libs.tmp.$$"
  rm -rf "$tmp"
  if ! "$MVN" -B -Dstyle.color=never -f "$KAFKA_POM_DIR/pom.xml" dependency:copy-dependencies \
      -DoutputDirectory="$tmp" -DincludeScope=runtime >"$KAFKA_HOME/mvn.log" 2>&1; then
    rm -rf "$tmp"
    tail_log "$KAFKA_HOME/mvn.log" 30
    die "Maven could not fetch the Kafka jars (full log: $KAFKA_HOME/mvn.log)"
  fi
  local j
  for j in "${KAFKA_REQUIRED_JARS[@]}"; do
    [[ -f "$tmp/$j" ]] || { rm -rf "$tmp"; die "Maven finished but $j is missing"; }
  done
  # Swap in atomically so a half-finished download is never mistaken for a complete cache.
  # (A running broker keeps its already-open jars, so replacing the directory is safe.)
  if [[ -d "$KAFKA_LIBS" ]]; then
    mv "$KAFKA_LIBS" "$KAFKA_HOME/libs.old.$$"
  fi
  mv "$tmp" "$KAFKA_LIBS"
  rm -rf "$KAFKA_HOME/libs.old.$$"
  log "Kafka jars ready ($(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars)"
}

# A test CA and a server certificate for localhost and 127.0.0.1 (openssl), the broker's PKCS12
# keystore, and the SCRAM user's password: made once per run dir (all or nothing: in a temporary
# directory first), kept across restarts so clients' CA files stay valid.
tls_files() {
  if [[ -s "$TLS_DIR/ca.crt" && -s "$TLS_DIR/server.p12" && -s "$TLS_DIR/keystore.password" ]]; then return 0; fi
  command -v openssl >/dev/null 2>&1 || die "openssl not found; it makes the test CA and the server certificate"
  log "making a test CA and a server certificate for localhost/127.0.0.1 in $TLS_DIR"
  local tmp="$TLS_DIR.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  if ! (
    cd "$tmp"
    openssl rand -hex 16 >keystore.password
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 -subj '/CN=sc-project test CA'
    openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj '/CN=localhost'
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -extfile server.ext -out server.crt
    openssl pkcs12 -export -in server.crt -inkey server.key -certfile ca.crt -name server -out server.p12 -passout file:keystore.password
    chmod 0600 ca.key server.key keystore.password
  ) >>"$RUN_DIR/tls.log" 2>&1; then
    rm -rf "$tmp"
    tail_log "$RUN_DIR/tls.log"
    die "openssl could not make the test certificates"
  fi
  rm -rf "$TLS_DIR"
  mv "$tmp" "$TLS_DIR"
}

kafka_write_config() {
  mkdir -p "$KAFKA_RUN/kraft-logs"
  tls_files
  if [[ ! -s "$KAFKA_RUN/scram.password" ]]; then
    (umask 077; openssl rand -hex 16 >"$KAFKA_RUN/scram.password")
  fi
  cat >"$KAFKA_RUN/server.properties" <<EOF
# generated by scripts/services.sh
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$KAFKA_CONTROLLER_PORT,SASL_SSL://$KAFKA_HOST:$KAFKA_SASL_SSL_PORT,SSL://$KAFKA_HOST:$KAFKA_SSL_PORT
advertised.listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,SASL_SSL://$KAFKA_HOST:$KAFKA_SASL_SSL_PORT,SSL://$KAFKA_HOST:$KAFKA_SSL_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL
inter.broker.listener.name=PLAINTEXT
# The secured listeners (issue 21): SCRAM-SHA-512 users over TLS, and TLS alone. No client
# certificates asked; no authorizer, so an authenticated user may do anything.
sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
ssl.keystore.type=PKCS12
ssl.keystore.location=$TLS_DIR/server.p12
ssl.keystore.password=$(cat "$TLS_DIR/keystore.password")
ssl.client.auth=none
log.dirs=$KAFKA_RUN/kraft-logs
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
num.partitions=3
auto.create.topics.enable=false
EOF
  cat >"$KAFKA_RUN/log4j.properties" <<EOF
# generated by scripts/services.sh: broker logs go to a file, WARN and up
log4j.rootLogger=WARN, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=$KAFKA_RUN/server.log
log4j.appender.file.MaxFileSize=10MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
# one INFO line when the server is up, handy when reading the log
log4j.logger.kafka.server.KafkaRaftServer=INFO
EOF
  cat >"$KAFKA_RUN/tools-log4j.properties" <<'EOF'
# generated by scripts/services.sh: CLI tools log only errors, to stderr
log4j.rootLogger=ERROR, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
}

# kafka_tool CLASS ARGS...: run a Kafka CLI class with quiet logging.
kafka_tool() {
  "$JAVA" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -Dlog4j.configuration="file:$KAFKA_RUN/tools-log4j.properties" \
    -cp "$KAFKA_LIBS/*" "$@"
}

kafka_format_storage() {
  if [[ -f "$KAFKA_RUN/kraft-logs/meta.properties" ]]; then return 0; fi
  local uuid
  uuid="$(kafka_tool kafka.tools.StorageTool random-uuid 2>>"$KAFKA_RUN/format.log" | tail -n 1 | tr -d '[:space:]')"
  [[ "$uuid" =~ ^[A-Za-z0-9_-]{22}$ ]] || { tail_log "$KAFKA_RUN/format.log"; die "StorageTool random-uuid gave '$uuid'"; }
  log "formatting Kafka storage in $KAFKA_RUN/kraft-logs (cluster id $uuid)"
  if ! kafka_tool kafka.tools.StorageTool format --ignore-formatted -t "$uuid" \
        -c "$KAFKA_RUN/server.properties" >>"$KAFKA_RUN/format.log" 2>&1; then
    tail_log "$KAFKA_RUN/format.log"
    die "formatting Kafka storage failed"
  fi
  printf '%s\n' "$uuid" >"$KAFKA_RUN/cluster-id"
}

# The SCRAM-SHA-512 user of the SASL_SSL listener, created in KRaft through the PLAINTEXT listener
# once per formatted storage: the marker holds the cluster id, so a fresh log dir gets it again.
kafka_scram_user() {
  local marker="$KAFKA_RUN/scram-user.done" id
  id="$(cat "$KAFKA_RUN/cluster-id" 2>/dev/null || echo unknown)"
  if [[ "$(cat "$marker" 2>/dev/null || true)" == "$id $KAFKA_SCRAM_USER" ]]; then return 0; fi
  log "creating the SCRAM-SHA-512 user $KAFKA_SCRAM_USER"
  if ! kafka_tool kafka.admin.ConfigCommand --bootstrap-server "$KAFKA_HOST:$KAFKA_PORT" --alter \
      --entity-type users --entity-name "$KAFKA_SCRAM_USER" \
      --add-config "SCRAM-SHA-512=[iterations=8192,password=$(cat "$KAFKA_RUN/scram.password")]" >>"$KAFKA_RUN/scram.log" 2>&1; then
    tail_log "$KAFKA_RUN/scram.log" 10
    die "could not create the SCRAM user $KAFKA_SCRAM_USER"
  fi
  printf '%s %s\n' "$id" "$KAFKA_SCRAM_USER" >"$marker"
}

# Whether the SASL_SSL and SSL listeners accept connections (a broker an older services.sh
# started has only PLAINTEXT: it keeps running, with a note to restart it).
kafka_secured_listeners() {
  port_open "$KAFKA_HOST" "$KAFKA_SASL_SSL_PORT" && port_open "$KAFKA_HOST" "$KAFKA_SSL_PORT"
}

kafka_secured_note() {
  kafka_secured_listeners || log "NOTE: Kafka has no SASL_SSL/SSL listener on $KAFKA_SASL_SSL_PORT/$KAFKA_SSL_PORT (started by an older services.sh?): 'down' then 'up' adds them"
}

# pid of our broker if it is alive (empty otherwise). Falls back to looking for a broker started
# with our server.properties in case the pid file was lost.
kafka_pid() {
  local pid
  if pid="$(read_pid "$KAFKA_RUN/kafka.pid")" && pid_matches "$pid" "kafka.Kafka"; then
    printf '%s\n' "$pid"; return 0
  fi
  pid="$(pgrep -f -- "kafka\\.Kafka $KAFKA_RUN/server\\.properties" 2>/dev/null | head -n 1 || true)"
  if [[ -n "$pid" ]]; then printf '%s\n' "$pid"; return 0; fi
  return 1
}

kafka_topics_ok() {
  timeout 30 "$JAVA" -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -Dlog4j.configuration="file:$KAFKA_RUN/tools-log4j.properties" \
    -cp "$KAFKA_LIBS/*" "$TOPIC_COMMAND_CLASS" \
    --bootstrap-server "$KAFKA_HOST:$KAFKA_PORT" --list >/dev/null 2>>"$KAFKA_RUN/topics-check.log"
}

# kafka_wait_ready DEADLINE [PID]
kafka_wait_ready() {
  local deadline="$1" pid="${2:-}"
  while true; do
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
      tail_log "$KAFKA_RUN/kafka.out" 20
      tail_log "$KAFKA_RUN/server.log" 40
      die "Kafka (pid $pid) exited during startup; logs in $KAFKA_RUN"
    fi
    if port_open "$KAFKA_HOST" "$KAFKA_PORT" && kafka_topics_ok; then
      return 0
    fi
    if [[ $(now) -ge $deadline ]]; then
      tail_log "$KAFKA_RUN/kafka.out" 20
      tail_log "$KAFKA_RUN/server.log" 40
      tail_log "$KAFKA_RUN/topics-check.log" 10
      die "Kafka not ready on $KAFKA_HOST:$KAFKA_PORT after ${KAFKA_TIMEOUT}s; logs in $KAFKA_RUN"
    fi
    sleep 1
  done
}

kafka_up() {
  local pid start
  start=$(now)
  if pid="$(kafka_pid)"; then
    if port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
      log "Kafka already running on $KAFKA_HOST:$KAFKA_PORT (pid $pid)"
      kafka_write_config
      kafka_scram_user
      kafka_secured_note
      return 0
    fi
    # Started but not listening yet (e.g. a concurrent up); wait for it.
    kafka_fetch
    kafka_write_config
    log "Kafka (pid $pid) is starting; waiting..."
    kafka_wait_ready $(( start + KAFKA_TIMEOUT )) "$pid"
    kafka_scram_user
    kafka_secured_note
    log "Kafka ready on $KAFKA_HOST:$KAFKA_PORT"
    return 0
  fi
  rm -f "$KAFKA_RUN/kafka.pid"

  kafka_fetch
  kafka_write_config

  if port_open "$KAFKA_HOST" "$KAFKA_PORT"; then
    # Something else (another checkout, docker compose...) serves 9092; use it if it is Kafka.
    if kafka_topics_ok; then
      log "a Kafka broker not started by this script already answers on $KAFKA_HOST:$KAFKA_PORT; using it"
      return 0
    fi
    die "port $KAFKA_PORT is in use by something that is not a working Kafka broker"
  fi
  local p
  for p in "$KAFKA_CONTROLLER_PORT" "$KAFKA_SASL_SSL_PORT" "$KAFKA_SSL_PORT"; do
    if port_open "$KAFKA_HOST" "$p"; then die "port $p (a Kafka listener) is already in use"; fi
  done

  kafka_format_storage

  log "starting Kafka $KAFKA_VERSION (KRaft) on $KAFKA_HOST:$KAFKA_PORT ..."
  : >"$KAFKA_RUN/topics-check.log"
  # The child writes its own pid, then execs the JVM (same pid). setsid + closed fd 9 (our lock)
  # + redirected stdio make it fully detached from this script and from the caller's pipes.
  setsid bash -c 'echo $$ >"$0"; exec nohup "$@"' "$KAFKA_RUN/kafka.pid" \
    "$JAVA" -Xmx512m -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$KAFKA_RUN/log4j.properties" \
    -Dkafka.logs.dir="$KAFKA_RUN" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_RUN/server.properties" \
    </dev/null >"$KAFKA_RUN/kafka.out" 2>&1 9>&- &
  local i
  for i in $(seq 1 50); do
    pid="$(read_pid "$KAFKA_RUN/kafka.pid" || true)"
    [[ -n "$pid" ]] && break
    sleep 0.1
  done
  [[ -n "$pid" ]] || die "Kafka did not start (no pid file)"
  kafka_wait_ready $(( start + KAFKA_TIMEOUT )) "$pid"
  kafka_secured_listeners || die "Kafka runs but its SASL_SSL/SSL listeners ($KAFKA_SASL_SSL_PORT, $KAFKA_SSL_PORT) do not accept; logs in $KAFKA_RUN"
  kafka_scram_user
  log "Kafka ready on $KAFKA_HOST:$KAFKA_PORT, SASL_SSL :$KAFKA_SASL_SSL_PORT, SSL :$KAFKA_SSL_PORT (pid $pid, $(( $(now) - start ))s)"
}

kafka_down() {
  local pid
  if ! pid="$(kafka_pid)"; then
    rm -f "$KAFKA_RUN/kafka.pid"
    log "Kafka: not running"
    return 0
  fi
  log "stopping Kafka (pid $pid)..."
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_pid_exit "$pid" 45; then
    log "Kafka did not stop in 45s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    wait_pid_exit "$pid" 10 || die "could not stop Kafka (pid $pid)"
  fi
  rm -f "$KAFKA_RUN/kafka.pid"
  log "Kafka stopped"
}

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

mariadb_up() {
  local pid start
  start=$(now)
  mkdir -p "$MARIADB_RUN"
  mariadb_install
  need_root "starting MariaDB"

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
    setsid bash -c 'echo $$ >"$0"; exec nohup "$@"' "$MARIADB_RUN/mariadbd.pid" \
      mariadbd --user=mysql --bind-address="$DB_HOST" --port="$DB_PORT" \
      --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
      --innodb-buffer-pool-size="${MARIADB_BUFFER_POOL:-1G}" --innodb-log-file-size="${MARIADB_LOG_FILE:-512M}" \
      </dev/null >>"$MARIADB_RUN/mariadb.log" 2>&1 9>&- &
    local i
    pid=""
    for i in $(seq 1 50); do
      pid="$(read_pid "$MARIADB_RUN/mariadbd.pid" || true)"
      [[ -n "$pid" ]] && break
      sleep 0.1
    done
    [[ -n "$pid" ]] || die "MariaDB did not start (no pid file)"
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

# The sc role (the cluster's superuser: tests create and drop databases) and its database.
postgres_setup() {
  local bin
  bin="$(postgres_bin)"
  if ! PGPASSWORD="$DB_PASS" "$bin/psql" -h "$PG_HOST" -p "$PG_PORT" -U "$DB_USER" -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" 2>>"$PG_RUN/setup.log" | grep -q 1; then
    PGPASSWORD="$DB_PASS" "$bin/psql" -h "$PG_HOST" -p "$PG_PORT" -U "$DB_USER" -d postgres -qc \
      "CREATE DATABASE $DB_NAME ENCODING 'UTF8' TEMPLATE template0" >&2 2>>"$PG_RUN/setup.log" \
      || { tail_log "$PG_RUN/setup.log" 10; die "could not create the PostgreSQL database $DB_NAME"; }
  fi
}

postgres_up() {
  postgres_install
  need_root "starting PostgreSQL"
  # Its logs go here even when a PostgreSQL of another run dir already answers on the port
  # (install -d below gives it to the postgres user before a cluster is made in it).
  mkdir -p "$PG_RUN"
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
  log "starting PostgreSQL on $PG_HOST:$PG_PORT ..."
  # pg_ctl -w waits until the server accepts connections (or fails with its log).
  as_postgres pg_ctl -D "$PG_RUN/data" -l "$PG_RUN/server.log" -w -t "$POSTGRES_TIMEOUT" start >/dev/null 9>&- \
    || { tail_log "$PG_RUN/server.log"; die "PostgreSQL did not start; log: $PG_RUN/server.log"; }
  postgres_ready || { tail_log "$PG_RUN/server.log"; die "PostgreSQL started but does not answer on $PG_HOST:$PG_PORT"; }
  postgres_setup
  log "PostgreSQL ready on $PG_HOST:$PG_PORT${PG_RUN:+ (data $PG_RUN/data)}"
}

postgres_down() {
  if [[ ! -f "$PG_RUN/data/postmaster.pid" ]] && ! postgres_ready; then
    log "PostgreSQL: not running"
    return 0
  fi
  log "stopping PostgreSQL..."
  as_postgres pg_ctl -D "$PG_RUN/data" -m fast -w -t 60 stop >/dev/null 2>&1 \
    || die "could not stop PostgreSQL (see $PG_RUN/server.log)"
  log "PostgreSQL stopped"
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
  print_env "$KAFKA_BROKERS" "$DATABASE_URL" "${POSTGRES_URL:-$DEFAULT_POSTGRES_URL}"
  print_kafka_security_env
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
  mariadb_up
  postgres_up
  kafka_up
  print_env "$DEFAULT_KAFKA_BROKERS" "$DEFAULT_DATABASE_URL" "$DEFAULT_POSTGRES_URL"
  print_kafka_security_env local
}

cmd_down() {
  lock_run_dir
  local rc=0
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
    echo "kafka: running ($KAFKA_HOST:$KAFKA_PORT${pid:+, pid $pid}; SASL_SSL :$KAFKA_SASL_SSL_PORT and SSL :$KAFKA_SSL_PORT $(kafka_secured_listeners && echo up || echo 'not listening'))"
  elif [[ -n "$pid" ]]; then
    echo "kafka: stopped (process $pid exists but $KAFKA_HOST:$KAFKA_PORT is not accepting)"; ok=1
  else
    echo "kafka: stopped ($KAFKA_HOST:$KAFKA_PORT)"; ok=1
  fi
  local_status_line mariadb "$DB_HOST" "$DB_PORT" "$(mariadb_pid || true)" || ok=1
  local_status_line postgres "$PG_HOST" "$PG_PORT" "$(postgres_pid || true)" || ok=1
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
    print_env "$KAFKA_BROKERS" "$DATABASE_URL" "${POSTGRES_URL:-$DEFAULT_POSTGRES_URL}"
    print_kafka_security_env
  else
    print_env "$DEFAULT_KAFKA_BROKERS" "$DEFAULT_DATABASE_URL" "$DEFAULT_POSTGRES_URL"
    print_kafka_security_env local
  fi
}

usage() {
  cat >&2 <<EOF
usage: $(basename "$0") up|down|status|env

  up      start Kafka $KAFKA_VERSION (KRaft, $KAFKA_HOST:$KAFKA_PORT), MariaDB ($DB_HOST:$DB_PORT) and
          PostgreSQL ($PG_HOST:$PG_PORT), idempotent; prints the 'export KAFKA_BROKERS=...',
          'export DATABASE_URL=...' and 'export POSTGRES_URL=...' lines last
  down    stop all three
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
