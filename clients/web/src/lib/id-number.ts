// Resident ID numbers (GB 11643-1999), checked while the doctor types so a slip shows at
// once. Only for speed: smd-server checks the number again (server/domain/resident_id.cc)
// and its message is the one that counts. Pure functions; tests/unit/id-number.test.ts.
//
// Layout: 6-digit region code, birth date YYYYMMDD, 3-digit sequence (the last of them odd
// for men, even for women), check character (ISO 7064 MOD 11-2: weights 7,9,10,5,8,4,2,1,6,3,
// 7,9,10,5,8,4,2; the sum mod 11 picks from "10X98765432").

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = '10X98765432';

export type IdSex = 'male' | 'female';

export interface IdCheck {
  ok: boolean;
  /** Why not, as [Chinese, English]; null when ok or while the number is still being typed. */
  problem: [string, string] | null;
  /** Read from the number when its first 14 characters allow it: "YYYY-MM-DD". */
  birthDate?: string;
  sex?: IdSex;
  /** The number in canonical form (upper-case X, trimmed). */
  normalized: string;
}

/** The check character for the first 17 digits. */
export function checkChar(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new Error('checkChar needs 17 digits');
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i];
  return CHECK_CHARS[sum % 11];
}

function realDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= days;
}

/**
 * Checks a number. `today` is "YYYY-MM-DD" (the district's day, lib/dates todayIso).
 * `partial` says the user is still typing: a too-short number is then not a problem yet.
 */
export function checkIdNumber(raw: string, today: string, partial = false): IdCheck {
  const n = raw.trim().replace(/x$/, 'X');
  const out: IdCheck = { ok: false, problem: null, normalized: n };
  if (n.length > 18) {
    out.problem = ['身份证号码必须为18位', 'must be 18 characters'];
    return out;
  }
  const digitsEnd = Math.min(n.length, 17);
  if (!/^\d*$/.test(n.slice(0, digitsEnd)) || (n.length === 18 && !/[\dX]$/.test(n))) {
    out.problem = ['前17位必须为数字，末位为数字或X', 'the first 17 characters must be digits and the last a digit or X'];
    return out;
  }
  if (n.length >= 14) {
    const y = Number(n.slice(6, 10));
    const m = Number(n.slice(10, 12));
    const d = Number(n.slice(12, 14));
    if (!realDate(y, m, d)) {
      out.problem = ['出生日期不是有效日期', 'the birth date is not a valid date'];
      return out;
    }
    const iso = `${n.slice(6, 10)}-${n.slice(10, 12)}-${n.slice(12, 14)}`;
    if (iso < '1900-01-01' || iso > today) {
      out.problem = ['出生日期超出范围', 'the birth date must be between 1900-01-01 and today'];
      return out;
    }
    out.birthDate = iso;
  }
  if (n.length >= 17) out.sex = Number(n[16]) % 2 === 1 ? 'male' : 'female';
  if (n.length < 18) {
    if (!partial) out.problem = ['身份证号码必须为18位', 'must be 18 characters'];
    return out;
  }
  if (checkChar(n.slice(0, 17)) !== n[17]) {
    out.problem = ['校验位错误', 'checksum digit is wrong'];
    return out;
  }
  out.ok = true;
  return out;
}

/** Builds a valid number from a region code, a birth date "YYYY-MM-DD" and a sequence (tests, demos). */
export function makeIdNumber(region6: string, birth: string, seq3: string): string {
  const first17 = region6 + birth.replace(/-/g, '') + seq3;
  return first17 + checkChar(first17);
}
