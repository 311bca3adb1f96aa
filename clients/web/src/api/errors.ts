// What the server's errors mean to a page. smd-server's INVALID_ARGUMENT messages have the
// form "field.path: 中文 (English)" (server/domain/errors.cc FieldError); other errors are
// "中文 (English)". parseServerError splits them so a form can show the message at the field
// it names, in the user's language.
import { Code, ConnectError } from '@connectrpc/connect';
import { t } from '@/i18n';

export interface ServerError {
  code: Code;
  /** The request field the server named ("patient.id_number"), or "" when none. */
  field: string;
  zh: string;
  en: string;
}

const FIELD_RE = /^([A-Za-z_][A-Za-z0-9_]*(?:(?:\.[A-Za-z_][A-Za-z0-9_]*)|\[\d+\])*): (.*)$/s;
const BILINGUAL_RE = /^(.*?) \(([^()]*(?:\([^()]*\)[^()]*)*)\)$/s;

/** Splits a server message into field, Chinese and English parts. Pure; unit-tested. */
export function splitMessage(message: string): { field: string; zh: string; en: string } {
  let field = '';
  let rest = message;
  const f = FIELD_RE.exec(message);
  if (f) {
    field = f[1];
    rest = f[2];
  }
  const b = BILINGUAL_RE.exec(rest);
  if (b && /[^\x00-\x7f]/.test(b[1])) return { field, zh: b[1], en: b[2] };
  return { field, zh: rest, en: rest };
}

export function toServerError(e: unknown): ServerError {
  if (e instanceof ConnectError) {
    return { code: e.code, ...splitMessage(e.rawMessage) };
  }
  return {
    code: Code.Unknown,
    field: '',
    zh: '网络或程序错误，请重试',
    en: 'network or program error; please retry',
  };
}

/** The message in the user's language. */
export function errorText(e: ServerError | unknown): string {
  const s = isServerError(e) ? e : toServerError(e);
  if (s.code === Code.Unavailable || s.code === Code.DeadlineExceeded) {
    return t('服务暂时不可用，请稍后重试', 'The service is unavailable; please retry shortly');
  }
  if (s.code === Code.Aborted && /modified|修改/.test(s.zh + s.en)) {
    return t('已被他人修改，请刷新后重试', 'Changed by someone else; reload and try again');
  }
  return t(s.zh, s.en);
}

function isServerError(e: unknown): e is ServerError {
  return typeof e === 'object' && e !== null && 'field' in e && 'zh' in e && 'code' in e;
}
