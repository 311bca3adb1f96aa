// Shared by the desk and the single-alert page: starts the feed, ticks a clock for the
// deadline badges, and tells whether the user may open patient records.
import { onBeforeUnmount, ref } from 'vue';
import { Role } from '@/gen/smd/v1/common_pb';
import { useSession } from '@/stores/session';
import { startFeed } from './feed';
import { unlockAudioOnGesture } from './notify';

let unlocked = false;

export function useDesk() {
  const session = useSession();
  if (session.user) startFeed(session.user.userId);
  if (!unlocked) { unlocked = true; unlockAudioOnGesture(); }
  const now = ref(Date.now());
  const timer = setInterval(() => { now.value = Date.now(); }, 1000);
  onBeforeUnmount(() => clearInterval(timer));
  // Clinical roles may open the record (patient.read); police, grid and community workers
  // may not, so their cards show the name as text.
  const canOpenPatient = session.role === Role.COMMUNITY_DOCTOR || session.role === Role.PSYCHIATRIST;
  return { now, canOpenPatient };
}
