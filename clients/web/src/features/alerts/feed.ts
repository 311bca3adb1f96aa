// The live alert feed: one SubscribeAlerts stream per browser, shared by its tabs.
//
// Tabs elect a leader with the Web Locks API (`smd-alert-stream`): the tab holding the lock
// holds the stream and passes each message to the other tabs over a BroadcastChannel; when
// it closes, the lock passes to a waiting tab, which resumes the stream from the shared
// cursor. The cursor (the last `seq` received, docs/api.md SubscribeAlerts) is not patient
// data: it is kept per user in localStorage so that a reload or a new leader resumes exactly
// where the feed stopped. Alert contents are never stored, only held in memory.
//
// Errors and drops reconnect with backoff; `online` and a tab becoming visible after a
// while (a laptop waking) reconnect at once. When the stream fails repeatedly or never
// answers (a proxy buffering the response), the leader polls ListAlerts instead and keeps
// retrying the stream now and then. Every path dedupes by seq, so each alert shows once.
import { reactive } from 'vue';
import { Code, ConnectError } from '@connectrpc/connect';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { alerts } from '@/api/alerts';
import { AlertMessageSchema, type AlertMessage } from '@/gen/smd/v1/alerts_pb';

export type ConnState = 'idle' | 'live' | 'polling' | 'reconnecting' | 'follower';

type Listener = (batch: AlertMessage[]) => void;

interface Wire {
  type: 'alerts' | 'state' | 'hello';
  state?: ConnState;
  msgs?: Uint8Array[];
  seq?: number;
}

const CHANNEL = 'smd-alert-feed';
const LOCK = 'smd-alert-stream';
/** An open stream without error for this long counts as live. */
const OPEN_MS = 700;
/** While live, how often the inbox is compared with what the stream delivered. */
const CHECK_MS = 30_000;
/** Consecutive failed streams before falling back to polling. */
const FAILURES_BEFORE_POLL = 3;
const POLL_MS = 5_000;
/** While polling, try the stream again this often. */
const STREAM_RETRY_MS = 60_000;
/** A tab hidden for longer than this may have slept: reconnect when it shows again. */
const WAKE_MS = 30_000;
/**
 * The wake check's tick, and how late a tick may come before the machine is taken to have
 * slept: timers do not run while a laptop sleeps (or while the browser freezes the page),
 * so a tick due in 5 s that comes 15 s late means the stream's connection may be dead
 * without having said so (no FIN arrives from a network that went away).
 */
const TICK_MS = 5_000;
const SLEPT_MS = 10_000;
/**
 * The same for a hidden tab: Chrome runs a hidden page's timers at most once a minute after
 * a few minutes (intensive throttling), so only a much later tick means sleep there (else a
 * desk left in a background tab would reconnect every minute).
 */
const SLEPT_HIDDEN_MS = 180_000;

export const feed = reactive({
  /** The leader's connection state, as every tab shows it. */
  state: 'idle' as ConnState,
  /** Whether this tab holds the stream. */
  leader: false,
  lastSeq: 0,
});

const listeners = new Set<Listener>();
const seen = new Set<number>();
let userKey = '';
let wired = false;
/** This tab leads or waits for the lock. */
let queued = false;
let channel: BroadcastChannel | null = null;
let abort: AbortController | null = null;
let wake: (() => void) | null = null;
let hiddenAt = 0;

function cursorKey(): string {
  return `smd.alerts.cursor.${userKey}`;
}
function loadCursor(): number {
  const v = Number(localStorage.getItem(cursorKey()) ?? '0');
  return Number.isFinite(v) && v > 0 ? v : 0;
}
function saveCursor(seq: number): void {
  if (seq > feed.lastSeq) feed.lastSeq = seq;
  if (seq > loadCursor()) localStorage.setItem(cursorKey(), String(seq));
}

/** Subscribes to new alerts (each seq once per tab). Returns the unsubscribe function. */
export function onAlerts(f: Listener): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}

function deliver(batch: AlertMessage[]): void {
  const fresh = batch.filter((m) => {
    const s = Number(m.seq);
    if (seen.has(s)) return false;
    seen.add(s);
    return true;
  });
  // The cursor advances over every seq received, shown before (the inbox) or not.
  for (const m of batch) saveCursor(Number(m.seq));
  if (fresh.length) for (const f of listeners) f(fresh);
}

function setState(s: ConnState): void {
  feed.state = s;
  channel?.postMessage({ type: 'state', state: s } satisfies Wire);
}

/** Marks seqs as already shown (the inbox loaded them), so the feed does not repeat them. */
export function markSeen(seqs: Iterable<bigint | number>): void {
  for (const s of seqs) seen.add(Number(s));
}

/**
 * Starts the feed for the signed-in user (idempotent). `userId` keys the cursor so two
 * people sharing a browser profile never resume from each other's position.
 */
export function startFeed(userId: string): void {
  if (userKey !== userId) {
    // Another user signed in in this tab: their own cursor, nothing of the last user's.
    userKey = userId;
    seen.clear();
    feed.lastSeq = loadCursor();
    abort?.abort();
  }
  if (!wired) wire();
  // Not leading nor waiting (first start, or the last leader's session ended): queue for the lock.
  if (!queued) {
    queued = true;
    if (typeof navigator.locks?.request === 'function') {
      if (!feed.leader) feed.state = 'follower';
      void navigator.locks.request(LOCK, () => lead()).finally(() => { queued = false; feed.leader = false; });
    } else {
      void lead().finally(() => { queued = false; feed.leader = false; });
    }
  }
}

function wire(): void {
  wired = true;
  if (typeof BroadcastChannel !== 'undefined') {
    channel = new BroadcastChannel(CHANNEL);
    channel.onmessage = (ev: MessageEvent<Wire>) => {
      const w = ev.data;
      if (w.type === 'alerts' && w.msgs) deliver(w.msgs.map((b) => fromBinary(AlertMessageSchema, b)));
      else if (w.type === 'state' && w.state && !feed.leader) feed.state = w.state;
      else if (w.type === 'hello' && feed.leader) channel?.postMessage({ type: 'state', state: feed.state } satisfies Wire);
    };
    channel.postMessage({ type: 'hello' } satisfies Wire);
  }
  // Waking: the network is back, the page runs again after the browser froze it (Page
  // Lifecycle 'resume'), a tab shown again after a long while, or the clock jumped past a
  // tick (the machine slept). Each drops a stream that may be dead and resumes from the
  // cursor at once instead of waiting for the connection to time out: the server sends
  // what was raised meanwhile, and deliver() shows each seq once.
  window.addEventListener('online', () => kick(true));
  document.addEventListener('resume', () => kick(true));
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') hiddenAt = Date.now();
    else kick(hiddenAt > 0 && Date.now() - hiddenAt > WAKE_MS);
  });
  let lastTick = Date.now();
  setInterval(() => {
    const now = Date.now();
    const slept = document.visibilityState === 'hidden' ? SLEPT_HIDDEN_MS : SLEPT_MS;
    if (now - lastTick > TICK_MS + slept) kick(true);
    lastTick = now;
  }, TICK_MS);
}

/** Reconnects now instead of waiting out the backoff; `restart` also drops a live stream. */
function kick(restart: boolean): void {
  if (!feed.leader) return;
  if (restart) abort?.abort();
  wake?.();
}

function sleep(ms: number): Promise<void> {
  return new Promise((ok) => {
    const timer = setTimeout(done, ms);
    function done() { clearTimeout(timer); wake = null; ok(); }
    wake = done;
  });
}

/** Delivers a batch here and in the other tabs. */
function publish(batch: AlertMessage[]): void {
  if (!batch.length) return;
  channel?.postMessage({ type: 'alerts', msgs: batch.map((m) => toBinary(AlertMessageSchema, m)) } satisfies Wire);
  deliver(batch);
}

/** The newest seq in the inbox (the resync point after OUT_OF_RANGE). */
async function newestSeq(): Promise<number> {
  const r = await alerts.listAlerts({ page: { pageSize: 1 } });
  return r.alerts.length ? Number(r.alerts[0].seq) : 0;
}

/** The leader's loop: runs while this tab holds the lock (until the tab closes). */
async function lead(): Promise<void> {
  feed.leader = true;
  // Another tab may have advanced the cursor while this one waited for the lock.
  feed.lastSeq = Math.max(feed.lastSeq, loadCursor());
  if (feed.lastSeq === 0) {
    // No cursor yet: start from the newest alert (the inbox shows the older ones), so the
    // first connection does not replay, chime and notify the whole history.
    try { saveCursor(await newestSeq()); } catch { /* the stream's error path retries */ }
  }
  let failures = 0;
  let lastStreamTry = 0;
  for (;;) {
    if (failures >= FAILURES_BEFORE_POLL && Date.now() - lastStreamTry < STREAM_RETRY_MS) {
      setState('polling');
      try {
        await poll();
      } catch (e) {
        if (e instanceof ConnectError && e.code === Code.Unauthenticated) return endLead();
      }
      await sleep(POLL_MS);
      continue;
    }
    lastStreamTry = Date.now();
    if (feed.lastSeq === 0) {
      // Another user signed in here meanwhile, without a cursor: start from their newest.
      try { saveCursor(await newestSeq()); } catch { /* the stream's error path retries */ }
    }
    const ok = await stream();
    if (ok === 'stop') return endLead();
    if (ok === 'received') failures = 0;
    else if (ok === 'buffered') failures = FAILURES_BEFORE_POLL;
    else failures++;
    if (failures < FAILURES_BEFORE_POLL) {
      setState('reconnecting');
      // 0.5 s, 1 s, 2 s ... capped at 30 s, with jitter so tabs of many users do not align.
      const backoff = Math.min(30_000, 500 * 2 ** Math.max(0, failures - 1));
      await sleep(backoff * (0.75 + Math.random() * 0.5));
    }
  }
}

function endLead(): void {
  setState('idle');
}

/**
 * One SubscribeAlerts call from the cursor. Returns 'received' when the stream was up (a
 * message arrived, or it stayed open without error for a while) before it ended, 'failed'
 * when it broke at once, 'stop' when the session is gone.
 *
 * The gateway may send no response headers until the first message, so an open call with
 * no error is taken as live after OPEN_MS. A proxy that buffers the response looks the
 * same, so while live the leader checks the inbox's newest seq now and then: an alert that
 * the inbox has and the stream still has not delivered one check later means the stream is
 * being held back, and the leader switches to polling.
 */
async function stream(): Promise<'received' | 'failed' | 'stop' | 'buffered'> {
  abort = new AbortController();
  const ctl = abort;
  let up = false;
  let buffered = false;
  const markUp = () => { if (!up) { up = true; setState('live'); } };
  const openTimer = setTimeout(markUp, OPEN_MS);
  let suspect = 0;
  const check = setInterval(() => {
    void newestSeq().then((n) => {
      if (suspect && feed.lastSeq < suspect) { buffered = true; ctl.abort(); return; }
      suspect = n > feed.lastSeq ? n : 0;
    }).catch(() => undefined);
  }, CHECK_MS);
  try {
    const calls = alerts.subscribeAlerts({ after: BigInt(feed.lastSeq) }, { signal: ctl.signal, onHeader: markUp });
    for await (const m of calls) {
      markUp();
      publish([m]);
    }
    return up ? 'received' : 'failed';
  } catch (e) {
    if (buffered) return 'buffered';
    if (e instanceof ConnectError) {
      if (e.code === Code.Unauthenticated) return 'stop';
      if (e.code === Code.OutOfRange) {
        // A cursor from another database or a restored backup: resync from the inbox.
        try {
          const n = await newestSeq();
          feed.lastSeq = n;
          localStorage.setItem(cursorKey(), String(n));
        } catch { /* retried below */ }
        return 'received';
      }
    }
    return up ? 'received' : 'failed';
  } finally {
    clearTimeout(openTimer);
    clearInterval(check);
    if (abort === ctl) abort = null;
  }
}

/**
 * One poll: the inbox newest first, page by page, until a page holds nothing newer than
 * the cursor; everything newer is delivered oldest first. An escalated copy has a higher
 * seq than its raised time suggests, so a page with nothing new (not merely an older
 * raised time) is what ends the walk.
 */
async function poll(): Promise<void> {
  const found: AlertMessage[] = [];
  let token = '';
  for (let i = 0; i < 20; i++) {
    const r = await alerts.listAlerts({ page: { pageSize: 100, pageToken: token } });
    const newer = r.alerts.filter((m) => Number(m.seq) > feed.lastSeq);
    found.push(...newer);
    if (!newer.length || !r.nextPageToken) break;
    token = r.nextPageToken;
  }
  found.sort((a, b) => Number(a.seq) - Number(b.seq));
  publish(found);
}
