#!/usr/bin/env bash
# Usage: tests/check_layering.sh [ROOT]
# The dependency rule (docs/architecture.md), checked on every test run:
#   common <- domain <- store <- app <- api <- runtime; crypto used by store and app.
# Link edges already stop calls upward; this also stops upward #includes, which would
# compile because every layer shares the server/ include root and system headers.
#
# ROOT (default: this repository) holds server/ and clients/; tests/check_layering_test.sh
# runs the checker on small fixture trees. Every include directive counts, however it is
# spaced ("  #  include", tabs), and its path is normalised before it is matched: a quoted
# path is read both from the include root (server/) and from the including file's own
# folder, with "." and ".." resolved, so "../store/db.h" and "domain/../store/db.h" are the
# store header they name. Every layer folder must exist and hold source files: a renamed or
# emptied layer would otherwise pass unchecked. Exit 0 clean, 1 on a violation.
set -uo pipefail

root=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)}
root=$(cd "$root" && pwd -P) || exit 2
fail=0

# layer: the (normalised) include prefixes it must not use, as an extended regex.
declare -A forbidden=(
  [common]="domain/|crypto/|store/|app/|api/|runtime/|pqxx|grpc|smd/v1/|openssl"
  [domain]="crypto/|store/|app/|api/|runtime/|pqxx|grpc|smd/v1/|openssl"
  [crypto]="domain/|store/|app/|api/|runtime/|pqxx|grpc|smd/v1/"
  [store]="app/|api/|runtime/|grpc|smd/v1/"
  [app]="api/|runtime/|pqxx|grpc|smd/v1/|store/internal/"
  [api]="runtime/|pqxx|store/internal/"
  [runtime]=""
)
# Clients speak the API only: no server headers, no database.
clients_forbidden="common/|domain/|crypto/|store/|app/|api/|runtime/|pqxx"
layers=(common domain crypto store app api runtime)
source_glob='.*\.(h|hh|hpp|hxx|inc|c|cc|cpp|cxx)$'

# Prints "file:line:directive  (resolves to path)" for each include directive in the files
# named on stdin whose path, normalised, starts with an alternative of PATTERN. A directive
# is "#include" with any blanks around "#"; its path is read as up to three candidates, each
# relative to the server/ include root: the path itself, the path from the including file's
# folder (quoted includes only, as the compiler searches that folder first), and either
# with a leading server/ removed (the repository root as an include root). Normalisation is
# lexical: "." and empty parts dropped, ".." resolved; a ".." above the start is kept.
violations() {
  local pattern=$1
  xargs -r -d '\n' awk -v root="$root" -v pattern="$pattern" '
    function norm(p,   n, parts, i, k, out, res) {
      n = split(p, parts, "/")
      k = 0
      for (i = 1; i <= n; i++) {
        if (parts[i] == "" || parts[i] == ".") continue
        if (parts[i] == ".." && k > 0 && out[k] != "..") { k--; continue }
        out[++k] = parts[i]
      }
      res = ""
      for (i = 1; i <= k; i++) res = res (i > 1 ? "/" : "") out[i]
      return res
    }
    /^[ \t\f\v\r]*#[ \t\f\v\r]*include/ {
      s = $0
      sub(/^[ \t\f\v\r]*#[ \t\f\v\r]*include[ \t\f\v\r]*/, "", s)
      kind = substr(s, 1, 1)
      if (kind != "\"" && kind != "<") next
      rest = substr(s, 2)
      stop = index(rest, kind == "<" ? ">" : "\"")
      if (stop == 0) next
      path = substr(rest, 1, stop - 1)
      rel = substr(FILENAME, length(root) + 2)
      dir = rel
      sub(/\/[^\/]*$/, "", dir)
      n = 0
      cand[++n] = norm(path)
      if (kind == "\"") cand[++n] = norm(dir "/" path)
      m = n
      for (i = 1; i <= m; i++) {
        if (substr(cand[i], 1, 7) == "server/") cand[++n] = substr(cand[i], 8)
      }
      for (i = 1; i <= n; i++) {
        if (cand[i] ~ ("^(" pattern ")")) {
          print rel ":" FNR ":" $0 "  (resolves to " cand[i] ")"
          break
        }
      }
    }'
}

# check NAME DIR PATTERN: every include in DIR's source files against PATTERN.
check() {
  local name=$1 dir=$2 pattern=$3 files hits
  if [[ ! -d "$root/$dir" ]]; then
    echo "layering: $dir/ does not exist (renamed or moved?): the rule cannot be checked"
    fail=1
    return
  fi
  files=$(find "$root/$dir" -type f -regextype posix-extended -regex "$source_glob" | sort)
  if [[ -z "$files" ]]; then
    echo "layering: $dir/ has no source files: the rule cannot be checked"
    fail=1
    return
  fi
  [[ -z "$pattern" ]] && return
  hits=$(violations "$pattern" <<<"$files")
  if [[ -n "$hits" ]]; then
    echo "layering: $name ($dir/) includes what it may not:"
    echo "$hits"
    fail=1
  fi
}

for layer in "${layers[@]}"; do
  check "$layer" "server/$layer" "${forbidden[$layer]}"
done
check clients clients "$clients_forbidden"

if ((fail)); then exit 1; fi
echo "layering: 1 passed, 0 failed"
