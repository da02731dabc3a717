import {
  type Me,
  meResponseSchema,
  type SignInInput,
  type SignUpInput,
  type SignUpResponse,
  signUpResponseSchema,
  tokenResponseSchema,
} from '@spot/shared';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { ApiError, api, errorMessage, isApiError } from '../api/client';
import { clearSession, saveSession, session, sessionFromTokens } from '../api/session';
import { useAccountsStore } from './accounts';
import { useAuditStore } from './audit';
import { useDashboardStore } from './dashboard';
import { useNodeTemplatesStore } from './nodeTemplates';
import { usePoliciesStore } from './policies';

/** Who is signed in: the tokens (persisted by the API client) and the profile from `GET /api/me`. */
export const useAuthStore = defineStore('auth', () => {
  const me = ref<Me | null>(null);
  const meError = ref<unknown>(null);

  const isAuthenticated = computed(() => session.value !== null);
  const role = computed(() => me.value?.role ?? null);
  const isAdmin = computed(() => role.value === 'admin');

  let meInFlight: Promise<Me> | null = null;

  function loadMe(): Promise<Me> {
    meInFlight ??= api
      .get('/api/me', meResponseSchema)
      .then((profile) => {
        me.value = profile;
        meError.value = null;
        return profile;
      })
      .catch((e: unknown) => {
        meError.value = e;
        throw e;
      })
      .finally(() => {
        meInFlight = null;
      });
    return meInFlight;
  }

  async function ensureMe(): Promise<Me> {
    return me.value ?? loadMe();
  }

  async function signIn(input: SignInInput): Promise<Me> {
    const tokens = await api.post('/api/auth/token', input, tokenResponseSchema, { auth: false });
    // A different user may sign in in the same tab: nothing of the previous one may survive.
    forget();
    saveSession(sessionFromTokens(tokens));
    return loadMe();
  }

  /** Creates the organization and user; signs in at once unless the email must be confirmed first. */
  async function signUp(input: SignUpInput): Promise<SignUpResponse> {
    const result = await api.post('/api/auth/signup', input, signUpResponseSchema, { auth: false });
    if (result.confirmationRequired) return result;
    try {
      await signIn({ email: input.email, password: input.password });
    } catch (cause) {
      // Say what happened: the account exists, so trying "Create account" again would only conflict.
      const { status, code, requestId } = isApiError(cause)
        ? cause
        : { status: 0, code: 'SIGN_IN_FAILED', requestId: null };
      throw new ApiError(
        status,
        code,
        `Your account was created, but signing in failed: ${errorMessage(cause)} Use the Sign in tab to try again.`,
        requestId,
        { cause },
      );
    }
    return result;
  }

  async function confirmSignUp(email: string, code: string, password: string): Promise<Me> {
    await api.post('/api/auth/confirm', { email, code }, undefined, { auth: false });
    return signIn({ email, password });
  }

  /** The first-run wizard shows once per organization; the server keeps that it was seen. */
  async function markOnboardingWizardSeen(outcome: 'skipped' | 'completed'): Promise<void> {
    await api.post('/api/me/onboarding-wizard', { outcome });
    if (me.value) me.value = { ...me.value, onboardingWizardSeen: true };
  }

  async function signOut(): Promise<void> {
    try {
      if (session.value) await api.post('/api/auth/signout', {});
    } catch {
      // Signing out locally must work even when the API cannot revoke the tokens.
    } finally {
      forget();
    }
  }

  /** Drops the session and everything loaded for it (used on sign-out and when the session expires). */
  function forget(): void {
    clearSession();
    me.value = null;
    meError.value = null;
    useAccountsStore().$reset();
    useAuditStore().$reset();
    useDashboardStore().$reset();
    useNodeTemplatesStore().$reset();
    usePoliciesStore().$reset();
  }

  return {
    me,
    meError,
    isAuthenticated,
    role,
    isAdmin,
    loadMe,
    ensureMe,
    signIn,
    signUp,
    confirmSignUp,
    markOnboardingWizardSeen,
    signOut,
    forget,
  };
});
