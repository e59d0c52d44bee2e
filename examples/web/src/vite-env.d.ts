/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:8000/graphql. */
  readonly VITE_API_URL?: string;
}
