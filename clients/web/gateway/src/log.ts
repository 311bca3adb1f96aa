// The gateway's log lines (stderr; journald under systemd). The contract of
// server/common/log.h: no request or response bodies, no names, no ID numbers, no tokens,
// no cookies. Errors are described by their type, their system code and where they were
// raised, never by their message (a message may quote the input that caused it).

export type Logger = (line: string) => void;

export const stderrLogger: Logger = (line) => {
  process.stderr.write(`${new Date().toISOString()} smd-gateway: ${line}\n`);
};

/** "TypeError (ERR_X) at file:line" with no message text. */
export function describeError(e: unknown): string {
  if (!(e instanceof Error)) return typeof e;
  const code = (e as NodeJS.ErrnoException).code;
  const where = (e.stack ?? '')
    .split('\n')
    .filter((l) => /^\s+at /.test(l))
    .slice(0, 3)
    .map((l) => l.trim().replace(/^at /, ''))
    .join(' < ');
  return `${e.name}${code ? ` (${String(code).replace(/[^\w.-]/g, '?')})` : ''}${where ? ` at ${where}` : ''}`;
}
