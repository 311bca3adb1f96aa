// Number keys for option groups: with the focus on a group, the digit printed beside an
// option picks it (risk level: press 4). The digits are the paper form's codes (rules.md §3),
// so a doctor copying a paper form types what is written on it.
//
// Codes of two digits (目前症状 10-12) are typed as two digits: "1" alone waits a moment for
// a second digit when some longer code starts with "1", and is taken when none follows.

export interface KeyBuffer {
  /** Feeds one digit; returns the key picked at once, or null (waiting, or no match). */
  press(digit: string): string | null;
  /** Drops a pending digit without picking it. */
  reset(): void;
}

/**
 * A small state machine over the option keys. `onLate` receives a key picked after the
 * wait (the "1" of 1 vs 10-12). Pure apart from the timer; unit-tested with fake timers.
 */
export function createKeyBuffer(keys: string[], onLate: (key: string) => void, waitMs = 600): KeyBuffer {
  let pending = '';
  let timer: ReturnType<typeof setTimeout> | null = null;
  const clear = () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
  const longer = (p: string) => keys.some((k) => k.length > p.length && k.startsWith(p));
  return {
    press(digit: string): string | null {
      clear();
      let typed = pending + digit;
      if (!keys.includes(typed) && !longer(typed)) {
        // No code continues the pending digit: it stands on its own, and this one starts afresh.
        if (pending && keys.includes(pending)) onLate(pending);
        typed = digit;
      }
      pending = '';
      if (!keys.includes(typed) && !longer(typed)) return null;
      if (!longer(typed)) return typed;
      pending = typed;
      timer = setTimeout(() => {
        const k = pending;
        pending = '';
        timer = null;
        if (keys.includes(k)) onLate(k);
      }, waitMs);
      return null;
    },
    reset() {
      clear();
      pending = '';
    },
  };
}

export interface KeyedOption<V> {
  value: V;
  /** The digit(s) that pick it, shown beside it. */
  key: string;
}

/**
 * For a radio or checkbox group: a keydown handler that picks the option whose key is
 * typed. Other keys (Tab, Enter, arrows) pass through untouched.
 */
export function useNumberKeys<V>(options: () => KeyedOption<V>[], pick: (value: V) => void) {
  let buffer: KeyBuffer | null = null;
  let forKeys = '';
  const byKey = (k: string) => options().find((o) => o.key === k);
  function ensure(): KeyBuffer {
    const keys = options().map((o) => o.key);
    if (!buffer || forKeys !== keys.join(',')) {
      buffer?.reset();
      forKeys = keys.join(',');
      buffer = createKeyBuffer(keys, (k) => {
        const o = byKey(k);
        if (o) pick(o.value);
      });
    }
    return buffer;
  }
  function onKeydown(e: KeyboardEvent): boolean {
    if (e.ctrlKey || e.altKey || e.metaKey) return false;
    const digit = /^Digit(\d)$/.exec(e.code)?.[1] ?? /^Numpad(\d)$/.exec(e.code)?.[1] ?? (/^\d$/.test(e.key) ? e.key : '');
    if (!digit) return false;
    e.preventDefault();
    const k = ensure().press(digit);
    if (k !== null) {
      const o = byKey(k);
      if (o) pick(o.value);
    }
    return true;
  }
  return { onKeydown, reset: () => buffer?.reset() };
}
