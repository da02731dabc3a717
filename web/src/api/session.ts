import { shallowRef } from 'vue';

/** The tokens of the signed-in user, as `POST /api/auth/token` returns them, with an absolute expiry. */
export interface Session {
  accessToken: string;
  idToken: string;
  refreshToken: string;
  /** Epoch milliseconds after which the access token is no longer accepted. */
  expiresAtMs: number;
}

const storageKey = 'spot.session';

function readStoredSession(): Session | null {
  try {
    const raw = localStorage.getItem(storageKey);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Partial<Session>;
    if (typeof parsed.accessToken !== 'string' || typeof parsed.refreshToken !== 'string') return null;
    return {
      accessToken: parsed.accessToken,
      idToken: typeof parsed.idToken === 'string' ? parsed.idToken : '',
      refreshToken: parsed.refreshToken,
      expiresAtMs: typeof parsed.expiresAtMs === 'number' ? parsed.expiresAtMs : 0,
    };
  } catch {
    // Unreadable storage (private mode, corrupted JSON) means no session, never a crash.
    return null;
  }
}

/**
 * The one copy of the session. The API client reads and refreshes it; the auth store exposes it to
 * components. Kept outside Pinia so the client has no dependency on the stores (no import cycle).
 */
export const session = shallowRef<Session | null>(readStoredSession());

export function saveSession(next: Session): void {
  session.value = next;
  try {
    localStorage.setItem(storageKey, JSON.stringify(next));
  } catch {
    // The session still works for this tab when storage is full or disabled.
  }
}

export function clearSession(): void {
  session.value = null;
  try {
    localStorage.removeItem(storageKey);
  } catch {
    // Nothing stored, nothing to remove.
  }
}

/** Tokens from the auth endpoints; `expiresIn` is in seconds. */
export function sessionFromTokens(
  tokens: { accessToken: string; idToken: string; expiresIn: number; refreshToken?: string | undefined },
  previousRefreshToken = '',
  nowMs = Date.now(),
): Session {
  return {
    accessToken: tokens.accessToken,
    idToken: tokens.idToken,
    refreshToken: tokens.refreshToken ?? previousRefreshToken,
    expiresAtMs: nowMs + tokens.expiresIn * 1000,
  };
}
