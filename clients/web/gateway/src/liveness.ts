// Browsers that vanish without a word. A laptop that sleeps or a phone that loses its
// network sends no FIN and no RST_STREAM: its HTTP/2 connection looks open to the gateway
// for as long as TCP keepalive takes (hours by default), and every alert stream on it keeps
// its upstream call open in smd-server. So the gateway pings each browser connection now
// and then and closes one that does not answer in time; its streams then close, which
// cancels their upstream calls (passthrough.ts, forward.ts). Browsers answer pings without
// any page code. The page, once awake, resumes from its cursor (features/alerts/feed.ts).
import type * as http2 from 'node:http2';

export interface LivenessOptions {
  /** How often to ping (default 45 s). */
  everyMs?: number;
  /** How long an answer may take before the connection is closed (default 20 s). */
  timeoutMs?: number;
}

/** Pings `session` every `everyMs`; destroys it when a ping goes unanswered for `timeoutMs`. */
export function watchSession(session: http2.Http2Session, opts: LivenessOptions = {}): void {
  const everyMs = opts.everyMs ?? 45_000;
  const timeoutMs = opts.timeoutMs ?? 20_000;
  let waiting = false;
  const pinger = setInterval(() => {
    if (session.closed || session.destroyed) { clearInterval(pinger); return; }
    if (waiting) return;
    waiting = true;
    const timer = setTimeout(() => session.destroy(), timeoutMs);
    timer.unref();
    try {
      session.ping((err) => {
        waiting = false;
        clearTimeout(timer);
        if (err && !session.destroyed) session.destroy();
      });
    } catch {
      // Not connected yet or closing: try at the next tick.
      waiting = false;
      clearTimeout(timer);
    }
  }, everyMs);
  pinger.unref();
  session.once('close', () => clearInterval(pinger));
}
