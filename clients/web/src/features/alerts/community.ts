// Community names for the codes alerts carry (AlertMessage.jurisdiction is the patient's
// community code, e.g. 320106001001): a police officer knows 演示第一社区, not a number.
// Region names are not patient data and every role may read them (region.read,
// server/domain/access_policy.h), so the client resolves them instead of the server adding
// a name to every alert copy. Read once per page load: the caller's own subtree with one
// ListRegions (the same cache as the worklists', features/patients/regions.ts), and a code
// outside it (an alert that reached the user by care team, duty or escalation from another
// area) with one GetRegion, remembered. While a name is unknown, or if it cannot be read,
// the code shows.
import { reactive } from 'vue';
import { regions as regionApi } from '@/api/regions';
import { useRegions } from '@/features/patients/regions';

const outside = reactive(new Map<string, string>());
const asked = new Set<string>();

export function useCommunityNames() {
  const own = useRegions();
  let ready = false;
  void own.ready().then(() => { ready = true; });
  /** "宁海路街道 · 演示第一社区" for a community in the caller's area; its name elsewhere. */
  function communityName(code: string): string {
    if (!code) return '';
    const name = own.fullName(code);
    if (name !== code) return name;
    const found = outside.get(code);
    if (found) return found;
    // Ask about a code outside the caller's area once, after the subtree is in (most codes
    // are inside it).
    if (ready && !asked.has(code)) {
      asked.add(code);
      void regionApi.getRegion({ code }).then((r) => { if (r.name) outside.set(code, r.name); }).catch(() => undefined);
    }
    return code;
  }
  return { communityName };
}
