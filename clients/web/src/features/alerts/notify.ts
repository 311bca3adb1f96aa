// The chime and the desktop notification for a new alert. The chime is made with the Web
// Audio API (no audio file to download). Browsers start audio only after a user gesture, so
// the context is created or resumed on the first click on the page. Notification
// permission is asked only when the user presses the button (never on load).
//
// Both are the user's choice, kept per browser in localStorage (UI preferences, no patient
// data): the sound is on until muted; desktop notifications are off until the user turns
// them on on the desk (which asks the browser's permission the first time). A browser
// permission granted some other way (a policy, another site setting) is not an opt-in.
//
// The desktop notification may show on a locked screen or a shared monitor: it names the
// kind, severity and community only, never the patient; the desk shows the rest.
import { reactive, ref, watch } from 'vue';
import type { AlertMessage } from '@/gen/smd/v1/alerts_pb';
import { ALERT_KIND, label } from '@/lib/labels';
import { t } from '@/i18n';
import { SEVERITY } from './labels';

let ctx: AudioContext | null = null;
/** When the last chime ends (AudioContext time): alerts arriving meanwhile share it. */
let chimeEnds = 0;

export const permission = ref<NotificationPermission | 'unsupported'>(
  typeof Notification === 'undefined' ? 'unsupported' : Notification.permission,
);

const PREFS_KEY = 'smd.alerts.prefs';
function readPrefs(): { sound: boolean; notify: boolean } {
  try {
    const p = JSON.parse(localStorage.getItem(PREFS_KEY) ?? '{}');
    return { sound: p.sound !== false, notify: p.notify === true };
  } catch {
    return { sound: true, notify: false };
  }
}
export const prefs = reactive(readPrefs());
watch(prefs, (p) => localStorage.setItem(PREFS_KEY, JSON.stringify(p)));
// The tab that holds the stream notifies; the choice may have been made in another tab.
window.addEventListener('storage', (e) => { if (e.key === PREFS_KEY) Object.assign(prefs, readPrefs()); });

function audio(): AudioContext | null {
  if (typeof AudioContext === 'undefined') return null;
  ctx ??= new AudioContext();
  if (ctx.state === 'suspended') void ctx.resume().catch(() => undefined);
  return ctx;
}

/** Unlocks audio on the first user gesture (autoplay policy). */
export function unlockAudioOnGesture(): void {
  const once = () => { audio(); window.removeEventListener('pointerdown', once); window.removeEventListener('keydown', once); };
  window.addEventListener('pointerdown', once);
  window.addEventListener('keydown', once);
}

/**
 * Two short tones; the critical alert's are higher and three. Silent when muted. One chime
 * per new alert; alerts that arrive while one still sounds (a catch-up after a reconnect
 * delivers several at once) share it rather than stacking tones.
 */
export function chime(critical = false): void {
  if (!prefs.sound) return;
  const a = audio();
  if (!a || a.state !== 'running') return;
  if (a.currentTime < chimeEnds) return;
  const tones = critical ? [880, 1175, 880] : [660, 880];
  const start = a.currentTime;
  tones.forEach((f, i) => {
    const o = a.createOscillator();
    const g = a.createGain();
    o.type = 'sine';
    o.frequency.value = f;
    const at = start + i * 0.18;
    g.gain.setValueAtTime(0.0001, at);
    g.gain.exponentialRampToValueAtTime(0.25, at + 0.02);
    g.gain.exponentialRampToValueAtTime(0.0001, at + 0.16);
    o.connect(g).connect(a.destination);
    o.start(at);
    o.stop(at + 0.17);
  });
  chimeEnds = start + (tones.length - 1) * 0.18 + 0.17;
}

/**
 * Turns desktop notifications on (asking the browser the first time: the click is the
 * gesture it wants) or off.
 */
export async function setNotify(on: boolean): Promise<void> {
  if (!on) { prefs.notify = false; return; }
  if (typeof Notification === 'undefined') return;
  audio(); // the click is a gesture: unlock the chime too
  if (Notification.permission !== 'granted') permission.value = await Notification.requestPermission();
  else permission.value = 'granted';
  prefs.notify = permission.value === 'granted';
}

/** Whether a new alert shows a desktop notification now. */
export function notifying(): boolean {
  return prefs.notify && typeof Notification !== 'undefined' && Notification.permission === 'granted';
}

/**
 * A desktop notification for one new alert (tagged by seq: tabs that both show one merge).
 * `community` is the community's name (community.ts); never the patient.
 */
export function desktopNotify(m: AlertMessage, community: string): void {
  if (!notifying()) return;
  try {
    const n = new Notification(t('新预警', 'New alert') + ' · ' + label(SEVERITY, m.severity), {
      body: `${label(ALERT_KIND, m.kind)} · ${community}`,
      tag: `smd-alert-${m.seq}`,
    });
    n.onclick = () => { window.focus(); location.assign(`/alerts/${m.seq}`); };
  } catch { /* some platforms allow notifications only from a service worker */ }
}
