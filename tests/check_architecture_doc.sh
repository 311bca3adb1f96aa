#!/usr/bin/env bash
# docs/architecture.md must describe the whole tree as it is (developers' guide: "docs/
# architecture.md true to the tree"). This check fails when a file a reader would look for
# is not named there: a header of any server layer (the contract of each source file), a
# migration (by its number), a proto file, a web-client or gateway source folder, a
# deploy/ entry or a tests/ folder. It cannot tell whether the prose is right; it makes
# sure nothing new lands undocumented. Run by ctest as `architecture_doc` (label unit).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
doc="$root/docs/architecture.md"
missing=()
need() {  # need <text to find> <what it stands for>
  grep -qF -- "$1" "$doc" || missing+=("$2")
}
for h in "$root"/server/*/*.h; do
  rel="${h#"$root"/server/}"
  need "$(basename "$h")" "server/$rel"
done
for m in "$root"/schema/migrations/*.sql; do
  n="$(basename "$m")"
  need "${n%%_*}" "schema/migrations/$n"
done
for p in "$root"/proto/smd/v1/*.proto; do
  need "$(basename "$p")" "proto/smd/v1/$(basename "$p")"
done
for d in "$root"/deploy/*; do
  need "$(basename "$d")" "deploy/$(basename "$d")"
done
for d in "$root"/tests/*/; do
  d="${d%/}"
  need "$(basename "$d")/" "tests/$(basename "$d")/"
done
for d in "$root"/clients/web/src/features/*/ "$root"/clients/web/gateway/src/; do
  [ -d "$d" ] || continue
  d="${d%/}"
  need "$(basename "$d")" "clients/web/${d#"$root"/clients/web/}"
done
if ((${#missing[@]})); then
  echo "docs/architecture.md does not name ${#missing[@]} part(s) of the tree:" >&2
  printf '  %s\n' "${missing[@]}" >&2
  exit 1
fi
echo "architecture_doc: every header, migration, proto, deploy entry, test folder and web feature is named"
