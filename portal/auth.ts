/**
 * Signing in. With Entra ID: MSAL (authorization code + PKCE, redirect flow), settings from
 * /portal/config.json. Locally: the dev host issues a token for any user name while the app trusts
 * the local signing key (POST /runtime/local-auth/token). Either way the portal holds an access token
 * and shows who it is for from its claims; the API checks it on every call.
 */
import type { AccountInfo } from "@azure/msal-browser";

export type SignInConfig =
  | { kind: "entra"; clientId: string; authority: string; scopes: string[] }
  | { kind: "local" }
  | { kind: "unavailable"; message: string };

export interface User {
  name: string;
  objectId: string;
  roles: string[];
}

export interface Session {
  user: User;
  /** DevCenter.Admin: sees everyone's environments and may request catalog syncs. */
  admin: boolean;
  token(): Promise<string>;
  signOut(): Promise<void>;
}

export interface SignIn {
  config: SignInConfig;
  /** The session kept from before (a stored local token, an MSAL account), if any. */
  resume(): Promise<Session | undefined>;
  /** Local only: a token for this user name. */
  signInLocal(user: string, admin: boolean): Promise<Session>;
  /** Entra only: goes to the identity provider and comes back to the page. */
  signInEntra(): Promise<void>;
}

const ADMIN_ROLE = "DevCenter.Admin";
const LOCAL_TOKEN_KEY = "portal.localToken";

function claimsOf(token: string): Record<string, unknown> {
  const payload = token.split(".")[1] ?? "";
  const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as Record<
    string,
    unknown
  >;
}

function userOf(token: string): User {
  const claims = claimsOf(token);
  return {
    name: String(claims.name ?? claims.preferred_username ?? claims.oid ?? "unknown"),
    objectId: String(claims.oid ?? ""),
    roles: Array.isArray(claims.roles) ? claims.roles.map(String) : [],
  };
}

function sessionOf(token: () => Promise<string>, first: string, signOut: () => Promise<void>): Session {
  const user = userOf(first);
  return { user, admin: user.roles.includes(ADMIN_ROLE), token, signOut };
}

class SignInFailure extends Error {}

function localSession(stored: { accessToken: string; expiresOn: string }): Session | undefined {
  // A minute of slack so a call does not leave with a token about to expire.
  if (Date.parse(stored.expiresOn) - 60_000 < Date.now()) return undefined;
  return sessionOf(
    async () => {
      if (Date.parse(stored.expiresOn) < Date.now()) {
        throw new SignInFailure("Your sign-in has expired; sign in again.");
      }
      return stored.accessToken;
    },
    stored.accessToken,
    async () => sessionStorage.removeItem(LOCAL_TOKEN_KEY),
  );
}

function localSignIn(config: SignInConfig): SignIn {
  return {
    config,
    async resume() {
      const text = sessionStorage.getItem(LOCAL_TOKEN_KEY);
      return text ? localSession(JSON.parse(text) as { accessToken: string; expiresOn: string }) : undefined;
    },
    async signInLocal(user, admin) {
      let response: Response;
      try {
        response = await fetch(new URL("../runtime/local-auth/token", document.baseURI), {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ user, admin }),
        });
      } catch {
        throw new SignInFailure("The local sign-in could not be reached; is npm start still running?");
      }
      if (response.status === 404) {
        throw new SignInFailure(
          "This host offers no local sign-in: run the app with npm start (the dev host signs local users in).",
        );
      }
      const body = (await response.json().catch(() => ({}))) as {
        accessToken?: string;
        expiresOn?: string;
        message?: string;
      };
      if (!response.ok || !body.accessToken || !body.expiresOn) {
        throw new SignInFailure(body.message ?? `The local sign-in answered ${response.status}.`);
      }
      const stored = { accessToken: body.accessToken, expiresOn: body.expiresOn };
      sessionStorage.setItem(LOCAL_TOKEN_KEY, JSON.stringify(stored));
      return localSession(stored) as Session;
    },
    signInEntra: () => Promise.reject(new SignInFailure("This portal signs in locally.")),
  };
}

async function entraSignIn(config: Extract<SignInConfig, { kind: "entra" }>): Promise<SignIn> {
  // MSAL is most of the bundle: it is loaded only where Entra ID is used (a chunk of its own).
  const { InteractionRequiredAuthError, PublicClientApplication } = await import("@azure/msal-browser");
  const msal = new PublicClientApplication({
    auth: {
      clientId: config.clientId,
      authority: config.authority,
      redirectUri: new URL(".", document.baseURI).href,
    },
    cache: { cacheLocation: "sessionStorage" },
  });
  await msal.initialize();
  const redirected = await msal.handleRedirectPromise();
  if (redirected?.account) msal.setActiveAccount(redirected.account);
  const request = (account: AccountInfo) => ({ scopes: config.scopes, account });
  const session = async (account: AccountInfo): Promise<Session> => {
    const token = async () => {
      try {
        return (await msal.acquireTokenSilent(request(account))).accessToken;
      } catch (error) {
        if (error instanceof InteractionRequiredAuthError) {
          await msal.acquireTokenRedirect(request(account));
        }
        throw error;
      }
    };
    return sessionOf(token, await token(), () => msal.logoutRedirect({ account }));
  };
  return {
    config,
    async resume() {
      const account = msal.getActiveAccount() ?? msal.getAllAccounts()[0];
      return account ? session(account) : undefined;
    },
    signInLocal: () => Promise.reject(new SignInFailure("This portal signs in with Entra ID.")),
    signInEntra: () => msal.loginRedirect({ scopes: config.scopes }),
  };
}

export async function createSignIn(config: SignInConfig): Promise<SignIn> {
  if (config.kind === "entra") return entraSignIn(config);
  if (config.kind === "local") return localSignIn(config);
  const failure = () => Promise.reject(new SignInFailure(config.message));
  return { config, resume: async () => undefined, signInLocal: failure, signInEntra: failure };
}
