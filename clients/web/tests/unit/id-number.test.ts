// The inline ID-number check (GB 11643-1999) against the standard's own examples and the
// project's shell generator (tests/support/synthetic-id.sh), which is an independent
// implementation of the check digit.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { checkChar, checkIdNumber, makeIdNumber } from '@/lib/id-number';

const TODAY = '2026-12-06';
const script = fileURLToPath(new URL('../../../../tests/support/synthetic-id.sh', import.meta.url));

describe('checkChar', () => {
  it('matches the examples printed in GB 11643-1999', () => {
    expect(checkChar('11010519491231002')).toBe('X');
    expect(checkChar('44052418800101001')).toBe('4');
  });
  it('agrees with the project generator for many synthetic numbers', () => {
    for (const [birth, seq] of [['19800101', 1], ['19991231', 2], ['20000229', 77], ['19550615', 358], ['20101010', 999], ['19700707', 10]] as const) {
      const id = execFileSync('bash', [script, birth, String(seq)], { encoding: 'utf8' }).trim();
      expect(makeIdNumber('320106', `${birth.slice(0, 4)}-${birth.slice(4, 6)}-${birth.slice(6)}`, String(seq).padStart(3, '0'))).toBe(id);
      expect(checkIdNumber(id, TODAY).ok).toBe(true);
      const bad = execFileSync('bash', [script, '--bad-check', birth, String(seq)], { encoding: 'utf8' }).trim();
      expect(checkIdNumber(bad, TODAY).problem?.[0]).toBe('校验位错误');
    }
  });
  it('refuses anything but 17 digits', () => {
    expect(() => checkChar('1234')).toThrow();
  });
});

describe('checkIdNumber', () => {
  it('accepts a valid number and reads birth date and sex', () => {
    const r = checkIdNumber('11010519491231002X', TODAY);
    expect(r).toMatchObject({ ok: true, problem: null, birthDate: '1949-12-31', sex: 'female' });
  });
  it('reads the 17th digit: odd is male, even is female', () => {
    expect(checkIdNumber(makeIdNumber('320106', '1980-01-01', '001'), TODAY).sex).toBe('male');
    expect(checkIdNumber(makeIdNumber('320106', '1980-01-01', '002'), TODAY).sex).toBe('female');
  });
  it('takes a lower-case x and surrounding spaces', () => {
    const r = checkIdNumber(' 11010519491231002x ', TODAY);
    expect(r.ok).toBe(true);
    expect(r.normalized).toBe('11010519491231002X');
  });
  it('names a wrong check digit', () => {
    expect(checkIdNumber('110105194912310021', TODAY)).toMatchObject({ ok: false, problem: ['校验位错误', 'checksum digit is wrong'] });
  });
  it('wants 18 characters, but not while still typing', () => {
    expect(checkIdNumber('3201061980', TODAY).problem?.[0]).toBe('身份证号码必须为18位');
    expect(checkIdNumber('3201061980', TODAY, true).problem).toBeNull();
    expect(checkIdNumber('1101051949123100211', TODAY).problem?.[0]).toBe('身份证号码必须为18位');
  });
  it('wants digits, with X only at the end', () => {
    expect(checkIdNumber('32010619800101X01X', TODAY).problem?.[0]).toBe('前17位必须为数字，末位为数字或X');
    expect(checkIdNumber('3201061980010100AB', TODAY).problem?.[0]).toBe('前17位必须为数字，末位为数字或X');
    expect(checkIdNumber('32010A', TODAY, true).problem?.[0]).toBe('前17位必须为数字，末位为数字或X');
  });
  it('refuses an impossible birth date as soon as it is typed', () => {
    expect(checkIdNumber('32010619800230', TODAY, true).problem?.[0]).toBe('出生日期不是有效日期');
    expect(checkIdNumber('32010619810229', TODAY, true).problem?.[0]).toBe('出生日期不是有效日期');
    expect(checkIdNumber('32010620000229', TODAY, true).problem).toBeNull();
    expect(checkIdNumber('32010619801301', TODAY, true).problem?.[0]).toBe('出生日期不是有效日期');
  });
  it('refuses a birth date in the future or before 1900', () => {
    expect(checkIdNumber(makeIdNumber('320106', '2026-12-07', '001'), TODAY).problem?.[0]).toBe('出生日期超出范围');
    expect(checkIdNumber(makeIdNumber('320106', '2026-12-06', '001'), TODAY).ok).toBe(true);
    expect(checkIdNumber(makeIdNumber('320106', '1899-12-31', '001'), TODAY).problem?.[0]).toBe('出生日期超出范围');
  });
  it('shows the birth date and sex while typing', () => {
    expect(checkIdNumber('32010619800101003', TODAY, true)).toMatchObject({ birthDate: '1980-01-01', sex: 'male', ok: false });
  });
});
