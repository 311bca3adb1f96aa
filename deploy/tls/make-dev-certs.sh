#!/usr/bin/env bash
# Usage: deploy/tls/make-dev-certs.sh OUTDIR
#
# Development and test certificates only (never for production), made with openssl:
#   ca.pem, ca.key          a throwaway CA ("smd dev CA")
#   server.pem, server.key  CN=localhost, SAN DNS:localhost, IP:127.0.0.1; serverAuth
#   client.pem, client.key  CN=smd-dev-client; clientAuth (for mutual-TLS tests)
#   gateway.pem, gateway.key  CN=smd-gateway, SAN DNS:gateway.smd.test; clientAuth: the web
#                           gateway's client certificate (serve --trusted-gateway smd-gateway)
# EC P-256 keys (mode 0600), SHA-256 signatures, valid 825 days. Files that already exist
# are kept; a new CA re-issues every leaf certificate.
set -euo pipefail

if (($# != 1)); then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi
out=$1
days=825
if [[ ! -d "$out" ]]; then
  # shellcheck disable=SC2174  # only OUTDIR itself needs to be private
  mkdir -p -m 0700 "$out"
fi
umask 077
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

serial() { echo "0x$(openssl rand -hex 16)"; }

new_key() {  # new_key FILE
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"
  chmod 0600 "$1"
}

if [[ -s "$out/ca.pem" && -s "$out/ca.key" ]]; then
  echo "make-dev-certs: keeping existing CA $out/ca.pem"
else
  echo "make-dev-certs: creating dev CA $out/ca.pem"
  new_key "$out/ca.key"
  openssl req -new -x509 -sha256 -days "$days" -set_serial "$(serial)" \
    -key "$out/ca.key" -subj "/O=smd development/CN=smd dev CA" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" \
    -out "$out/ca.pem"
  rm -f "$out/server.pem" "$out/client.pem" "$out/gateway.pem"  # issued by the old CA, if any
fi

issue() {  # issue NAME SUBJECT EXTENSIONS
  local name=$1 subject=$2 ext=$3
  if [[ -s "$out/$name.pem" && -s "$out/$name.key" ]]; then
    echo "make-dev-certs: keeping existing $out/$name.pem"
    return
  fi
  echo "make-dev-certs: issuing $out/$name.pem ($subject)"
  new_key "$out/$name.key"
  openssl req -new -sha256 -key "$out/$name.key" -subj "$subject" -out "$work/$name.csr"
  printf '%s\n' "[ext]" "$ext" \
    "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature" \
    "subjectKeyIdentifier=hash" \
    "authorityKeyIdentifier=keyid" >"$work/$name.ext"
  openssl x509 -req -sha256 -days "$days" -set_serial "$(serial)" \
    -in "$work/$name.csr" -CA "$out/ca.pem" -CAkey "$out/ca.key" \
    -extfile "$work/$name.ext" -extensions ext -out "$out/$name.pem" 2>/dev/null
}

issue server "/O=smd development/CN=localhost" \
  "$(printf '%s\n' "subjectAltName=DNS:localhost,IP:127.0.0.1" "extendedKeyUsage=serverAuth")"
issue client "/O=smd development/CN=smd-dev-client" "extendedKeyUsage=clientAuth"
issue gateway "/O=smd development/CN=smd-gateway" \
  "$(printf '%s\n' "subjectAltName=DNS:gateway.smd.test" "extendedKeyUsage=clientAuth")"

chmod 0600 "$out"/*.key
chmod 0644 "$out"/*.pem
