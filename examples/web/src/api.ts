// The API client: @urql/core over fetch, the tokens in memory only (a reload signs out; nothing is left in
// localStorage for a script to read), a refresh when the access token has expired, and errors as a list the
// forms can place next to their fields. docs/front-end.md explains each part.
import { Client, fetchExchange, type AnyVariables, type TypedDocumentNode } from "@urql/core";
import { LOGOUT, REFRESH, type Tokens } from "./documents";

// Injected at build time: VITE_API_URL=https://api.example.com/graphql npm run build
export const API_URL: string = import.meta.env.VITE_API_URL ?? "http://127.0.0.1:8000/graphql";

/** One error as the server reported it: extensions.code, and extensions.field when one input field is at fault. */
export interface Problem {
  message: string;
  code?: string;
  field?: string;
  reason?: string;
}

export class ApiError extends Error {
  constructor(readonly problems: Problem[]) {
    super(problems.map((problem) => problem.message).join(" "));
  }
}

let tokens: Tokens | null = null;
let refreshing: Promise<void> | null = null;
const sessionEndListeners: Array<() => void> = [];

const client = new Client({
  url: API_URL,
  exchanges: [fetchExchange], // no cache: every call goes to the server (see docs/front-end.md for caches)
  preferGetMethod: false,
  // Read at each request, so a refreshed token is used from the next request on.
  fetchOptions: () => (tokens ? { headers: { authorization: `Bearer ${tokens.accessToken}` } } : {}),
});

const ANONYMOUS = { fetchOptions: {} }; // sign-in, sign-up, refresh and logout carry no access token

export function signedIn(): boolean {
  return tokens !== null;
}

export function onSessionEnd(listener: () => void): void {
  sessionEndListeners.push(listener);
}

function endSession(): void {
  tokens = null;
  for (const listener of sessionEndListeners) listener();
}

/** Keep the pair that register, login or refreshToken returned (in memory only). */
export function keep(pair: Tokens): void {
  tokens = pair;
}

export async function signOut(): Promise<void> {
  const refreshToken = tokens?.refreshToken;
  endSession();
  if (refreshToken) await client.mutation(LOGOUT, { refreshToken }, ANONYMOUS).toPromise();
}

function problemsOf(error: { graphQLErrors: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }> }): Problem[] {
  if (error.graphQLErrors.length === 0) return [{ message: "The server could not be reached.", code: "NETWORK" }];
  return error.graphQLErrors.map(({ message, extensions = {} }) => ({
    message,
    code: typeof extensions.code === "string" ? extensions.code : undefined,
    field: typeof extensions.field === "string" ? extensions.field : undefined,
    reason: typeof extensions.reason === "string" ? extensions.reason : undefined,
  }));
}

/** Whether the access token has expired, so that a refresh and one retry may help. */
function expired(problem: Problem): boolean {
  // TOKEN_EXPIRED: refresh. TOKEN_REVOKED, TOKEN_INVALID, SESSION_ENDED: sign in again.
  return problem.code === "UNAUTHENTICATED" && problem.reason === "TOKEN_EXPIRED";
}

/** One refresh at a time in this tab: requests that fail together wait for the same new pair. */
function refresh(): Promise<void> {
  refreshing ??= (async () => {
    try {
      const spent = tokens?.refreshToken;
      const result = spent ? await client.mutation(REFRESH, { refreshToken: spent }, ANONYMOUS).toPromise() : null;
      if (!result?.data) {
        endSession();
        throw new ApiError([{ message: "Your session has ended: sign in again.", code: "UNAUTHENTICATED" }]);
      }
      tokens = result.data.refreshToken;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/** Run a query or mutation; on failure throw an ApiError with every problem the server reported. */
export async function run<Data, Variables extends AnyVariables>(
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
  retry = true,
): Promise<Data> {
  const anonymous = tokens === null;
  const mutation = document.definitions.some((node) => "operation" in node && node.operation === "mutation");
  const result = mutation
    ? await client.mutation(document, variables).toPromise()
    : await client.query(document, variables, { requestPolicy: "network-only" }).toPromise();
  if (result.error) {
    const problems = problemsOf(result.error);
    if (retry && !anonymous && problems.some(expired)) {
      await refresh();
      return run(document, variables, false);
    }
    throw new ApiError(problems);
  }
  if (result.data === undefined) throw new ApiError([{ message: "The server sent no data." }]);
  return result.data;
}
