# shellcheck shell=bash
# The local schema registry: Apicurio Registry from Maven Central (its Confluent-compatible API under
# /apis/ccompat/v7, for Avro, Protobuf and JSON Schema), in memory. Sourced by scripts/services.sh,
# which sets the variables it uses.

# ---------------------------------------------------------------------------------------------
# Schema registry

registry_jar() {
  printf '%s\n' "$REGISTRY_HOME/apicurio-registry-app-$REGISTRY_VERSION-runner.jar"
}

# The runnable application (one tar.gz of 109 MB), unpacked once into the cache.
registry_fetch() {
  [[ -f "$(registry_jar)" && -d "$REGISTRY_HOME/lib" ]] && return 0
  command -v "$MVN" >/dev/null 2>&1 || die "Maven ('$MVN') not found; it is needed once to fetch the schema registry"
  log "fetching Apicurio Registry $REGISTRY_VERSION with Maven into $REGISTRY_HOME (one time, 109 MB)..."
  local dl="$CACHE_DIR/apicurio-download" tmp="$REGISTRY_HOME.tmp.$$"
  mkdir -p "$dl"
  if ! "$MVN" -B -q -Dstyle.color=never dependency:copy -Dartifact="io.apicurio:apicurio-registry-app:$REGISTRY_VERSION:tar.gz:all" \
      -DoutputDirectory="$dl" >"$dl/mvn.log" 2>&1; then
    tail_log "$dl/mvn.log" 30
    die "Maven could not fetch the schema registry (full log: $dl/mvn.log)"
  fi
  rm -rf "$tmp"
  mkdir -p "$tmp"
  tar xzf "$dl/apicurio-registry-app-$REGISTRY_VERSION-all.tar.gz" -C "$tmp" || { rm -rf "$tmp"; die "could not unpack the schema registry"; }
  [[ -f "$tmp/apicurio-registry-app-$REGISTRY_VERSION-runner.jar" ]] || { rm -rf "$tmp"; die "the schema registry archive has no runner jar"; }
  # All or nothing: a half-unpacked directory is never taken for a complete one.
  rm -rf "$REGISTRY_HOME"
  mv "$tmp" "$REGISTRY_HOME"
  rm -f "$dl/apicurio-registry-app-$REGISTRY_VERSION-all.tar.gz"
}

registry_pid() {
  local pid
  pid="$(read_pid "$REGISTRY_RUN/registry.pid" || true)"
  pid_matches "$pid" "apicurio-registry-app" && printf '%s\n' "$pid"
}

# Ready: the Confluent API answers (health checks pass before the API is routed).
registry_ready() {
  curl -sf -o /dev/null --max-time 2 "http://$REGISTRY_HOST:$REGISTRY_PORT/apis/ccompat/v7/subjects"
}

registry_up() {
  local pid start
  start=$(now)
  mkdir -p "$REGISTRY_RUN"
  command -v curl >/dev/null 2>&1 || die "curl not found; it checks that the schema registry answers"
  if registry_ready; then
    log "schema registry already running on $REGISTRY_HOST:$REGISTRY_PORT"
    return 0
  fi
  if ! pid="$(registry_pid)"; then
    port_open "$REGISTRY_HOST" "$REGISTRY_PORT" && die "port $REGISTRY_PORT is in use by something that is not the schema registry"
    registry_fetch
    log "starting the schema registry (Apicurio $REGISTRY_VERSION) on $REGISTRY_HOST:$REGISTRY_PORT ..."
    : >"$REGISTRY_RUN/registry.log"
    pid="$(start_detached "$REGISTRY_RUN/registry.pid" "$REGISTRY_RUN/registry.log" \
      "$JAVA" -Xmx256m -XX:+UseSerialGC -Dquarkus.http.host="$REGISTRY_HOST" -Dquarkus.http.port="$REGISTRY_PORT" \
      -jar "$(registry_jar)")" || die "the schema registry did not start (no pid file)"
  fi
  until registry_ready; do
    kill -0 "$pid" 2>/dev/null || { tail_log "$REGISTRY_RUN/registry.log"; die "the schema registry (pid $pid) exited during start-up"; }
    [[ $(( $(now) - start )) -lt $REGISTRY_TIMEOUT ]] || { tail_log "$REGISTRY_RUN/registry.log"; die "the schema registry is not ready after ${REGISTRY_TIMEOUT}s"; }
    sleep 0.5
  done
  # Confluent's default compatibility (Apicurio's is NONE): a v2 a v1 reader cannot follow is refused.
  curl -sf -o /dev/null -X PUT -H 'Content-Type: application/json' -d '{"compatibility":"BACKWARD"}' \
    "http://$REGISTRY_HOST:$REGISTRY_PORT/apis/ccompat/v7/config" || log "NOTE: could not set the registry's compatibility to BACKWARD"
  log "schema registry ready on $REGISTRY_HOST:$REGISTRY_PORT (pid $pid, $(( $(now) - start ))s; in memory: ids restart at 1 on every start)"
}

registry_down() {
  local pid
  if ! pid="$(registry_pid)"; then
    rm -f "$REGISTRY_RUN/registry.pid"
    log "schema registry: not running"
    return 0
  fi
  stop_pid 'the schema registry' "$pid" 30
  rm -f "$REGISTRY_RUN/registry.pid"
  log "schema registry stopped"
}
