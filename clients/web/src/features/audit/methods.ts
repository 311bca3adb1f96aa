// Every RPC path of the API, for the audit list's method filter, from the generated service
// descriptors (the same list the gateway forwards): nothing typed by hand.
import { ALL_SERVICES } from '@/gen';

export const METHODS: string[] = ALL_SERVICES
  .flatMap((s) => s.methods.map((m) => `/${s.typeName}/${m.name}`))
  .sort();
