import { describe, expect, it } from 'vitest';
import { splitMessage } from '@/api/errors';

describe('splitMessage', () => {
  it('splits a field error into field, Chinese and English', () => {
    expect(splitMessage('patient.id_number: 校验位错误 (check digit wrong)')).toEqual({
      field: 'patient.id_number',
      zh: '校验位错误',
      en: 'check digit wrong',
    });
  });
  it('keeps repeated-field indexes in the path', () => {
    expect(splitMessage('medications[1].dose_mg: 超出范围 (out of range)').field).toBe('medications[1].dose_mg');
  });
  it('reads a message without a field', () => {
    expect(splitMessage('用户名或密码错误 (wrong user name or password)')).toEqual({
      field: '',
      zh: '用户名或密码错误',
      en: 'wrong user name or password',
    });
  });
  it('keeps parentheses inside the English part', () => {
    expect(splitMessage('服务器繁忙，请稍后重试 (server busy (queue full))').en).toBe('server busy (queue full)');
  });
  it('leaves a plain message whole in both languages', () => {
    expect(splitMessage('plain text')).toEqual({ field: '', zh: 'plain text', en: 'plain text' });
  });
});
