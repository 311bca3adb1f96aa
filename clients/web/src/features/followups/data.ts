// Reads this feature needs: the drug catalogue (read once per page load: the server reads it
// once at start-up too), a patient's visits with every version, a community's name.
import { followups, regions } from '@/api/client';
import type { Drug, FollowUp } from '@/gen/smd/v1/followups_pb';

let drugsOnce: Promise<Drug[]> | null = null;

export function loadDrugs(): Promise<Drug[]> {
  drugsOnce ??= followups.listDrugs({}).then((r) => r.drugs).catch((e) => {
    drugsOnce = null; // let the next page try again
    throw e;
  });
  return drugsOnce;
}

/** Every visit of a patient, every version, newest first (ListFollowUps pages by offset). */
export async function loadAllVersions(patientId: string): Promise<FollowUp[]> {
  const out: FollowUp[] = [];
  let token = '';
  for (let i = 0; i < 50; i++) {
    const r = await followups.listFollowUps({ patientId, includeHistory: true, page: { pageSize: 200, pageToken: token } });
    out.push(...r.followups);
    token = r.nextPageToken;
    if (!token) break;
  }
  return out;
}

const regionNames = new Map<string, Promise<string>>();

/** A region's name, or '' when it cannot be read (the code is shown instead). */
export function regionName(code: string): Promise<string> {
  if (!code) return Promise.resolve('');
  let p = regionNames.get(code);
  if (!p) {
    p = regions.getRegion({ code }).then((r) => r.name).catch(() => '');
    regionNames.set(code, p);
  }
  return p;
}
