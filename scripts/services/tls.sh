# shellcheck shell=bash
# The test CA and the server certificate every local service presents. Sourced by scripts/services.sh, which sets the variables it uses.

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

# tls_server_files OWNER DIR: the CA, the server certificate and its key where a server running as
# OWNER can read them (MariaDB and PostgreSQL do not run as root; PostgreSQL refuses a key that
# others can read), refreshed from $TLS_DIR on every `up`.
tls_server_files() {
  local owner="$1" dir="$2"
  tls_files
  install -d -o "$owner" -g "$owner" -m 0700 "$dir"
  install -o "$owner" -g "$owner" -m 0644 "$TLS_DIR/ca.crt" "$dir/ca.crt"
  install -o "$owner" -g "$owner" -m 0644 "$TLS_DIR/server.crt" "$dir/server.crt"
  install -o "$owner" -g "$owner" -m 0600 "$TLS_DIR/server.key" "$dir/server.key"
}
