// The chime and the desktop notification for a new alert. The chime is made with the Web
// Audio API (no audio file to download). Browsers start audio only after a user gesture, so
// the context is created or resumed on the first click on the page. Notification
// permission is asked only when the user presses the button (never on load).
//
// The desktop notification may show on a locked screen or a shared monitor: it names the
// kind, severity and community only, never the patient; the desk shows the rest.
import { ref } from 'vue';
import type { AlertMessage } from '@/gen/smd/v1/alerts_pb';
import { ALERT_KIND, label } from '@/lib/labels';
import { t } from '@/i18n';
import { SEVERITY } from './labels';

let ctx: AudioContext | null = null;

export const permission = ref<NotificationPermission | 'unsupported'>(
  typeof Notification === 'undefined' ? 'unsupported' : Notification.permission,
);

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

/** Two short tones; the critical alert's are higher and three. */
export function chime(critical = false): void {
  const a = audio();
  if (!a || a.state !== 'running') return;
  const tones = critical ? [880, 1175, 880] : [660, 880];
  tones.forEach((f, i) => {
    const o = a.createOscillator();
    const g = a.createGain();
    o.type = 'sine';
    o.frequency.value = f;
    const at = a.currentTime + i * 0.18;
    g.gain.setValueAtTime(0.0001, at);
    g.gain.exponentialRampToValueAtTime(0.25, at + 0.02);
    g.gain.exponentialRampToValueAtTime(0.0001, at + 0.16);
    o.connect(g).connect(a.destination);
    o.start(at);
    o.stop(at + 0.17);
  });
}

export async function askPermission(): Promise<void> {
  if (typeof Notification === 'undefined') return;
  audio(); // the click is a gesture: unlock the chime too
  permission.value = await Notification.requestPermission();
}

/** A desktop notification per alert (tagged by seq: tabs that both show one merge). */
export function desktopNotify(m: AlertMessage): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  try {
    const n = new Notification(t('新预警', 'New alert') + ' · ' + label(SEVERITY, m.severity), {
      body: `${label(ALERT_KIND, m.kind)} · ${m.jurisdiction}`,
      tag: `smd-alert-${m.seq}`,
    });
    n.onclick = () => { window.focus(); location.assign(`/alerts/${m.seq}`); };
  } catch { /* some platforms allow notifications only from a service worker */ }
}
