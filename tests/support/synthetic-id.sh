#!/usr/bin/env bash
# Usage: tests/support/synthetic-id.sh [--bad-check] BIRTH_YYYYMMDD SEQ [REGION]
#
# Prints a synthetic, checksum-valid resident ID number (GB 11643): REGION (6 digits,
# default 320106, the demo district) + BIRTH_YYYYMMDD + SEQ (mod 1000, 3 digits; odd male,
# even female) + the ISO 7064 MOD 11-2 check character. With --bad-check the check
# character is wrong (the valid one's successor in 0123456789X). The shell twin of
# tests/support/synthetic.h: examples and the e2e walkthrough make their ID numbers with it
# at run time instead of writing a valid number by hand (it could be a real person's).
set -euo pipefail

bad=0
if [[ ${1:-} == --bad-check ]]; then
  bad=1
  shift
fi
if (($# < 2 || $# > 3)) || [[ ! $1 =~ ^[0-9]{8}$ ]] || [[ ! $2 =~ ^[0-9]+$ ]] ||
  [[ ! ${3:-320106} =~ ^[0-9]{6}$ ]]; then
  echo "usage: $0 [--bad-check] BIRTH_YYYYMMDD SEQ [REGION]" >&2
  exit 1
fi
first17=$(printf '%s%s%03d' "${3:-320106}" "$1" $((10#$2 % 1000)))
weights=(7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2)
sum=0
for i in $(seq 0 16); do
  sum=$((sum + ${first17:i:1} * weights[i]))
done
check=10X98765432
c=${check:sum%11:1}
if ((bad)); then
  chars=0123456789X
  at=${chars%%"$c"*}
  c=${chars:(${#at} + 1) % 11:1}
fi
echo "$first17$c"
