# shellcheck shell=bash
# Helpers of the local services: logging, pid files, ports, the run dir lock. Sourced by scripts/services.sh, which sets the variables it uses.

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

need_root() {
  [[ ${EUID:-$(id -u)} -eq 0 ]] || die "$1 needs root (or set KAFKA_BROKERS and DATABASE_URL to existing services)"
}

lock_run_dir() {
  mkdir -p "$RUN_DIR"
  exec 9>"$RUN_DIR/.lock"
  if ! flock -w 300 9; then die "could not lock $RUN_DIR/.lock (another services.sh running?)"; fi
}

# start_detached PIDFILE LOGFILE CMD...: start CMD in a session of its own, fully detached from
# this script and its caller's pipes (setsid, our lock's fd 9 closed, stdio to LOGFILE); the child
# writes its pid, then execs CMD (same pid). Prints the pid; false when no pid file came.
start_detached() {
  local pidfile="$1" logfile="$2" i pid=""
  shift 2
  setsid bash -c 'echo $$ >"$0"; exec nohup "$@"' "$pidfile" "$@" </dev/null >>"$logfile" 2>&1 9>&- &
  for i in $(seq 1 50); do
    pid="$(read_pid "$pidfile" || true)"
    [[ -n "$pid" ]] && break
    sleep 0.1
  done
  [[ -n "$pid" ]] && printf '%s\n' "$pid"
}

# stop_pid NAME PID SECONDS: TERM, and KILL if it has not gone after SECONDS.
stop_pid() {
  local name="$1" pid="$2" secs="$3"
  log "stopping $name (pid $pid)..."
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_pid_exit "$pid" "$secs"; then
    log "$name did not stop in ${secs}s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
    wait_pid_exit "$pid" 10 || die "could not stop $name (pid $pid)"
  fi
}
