// Apollo Client's own persisted-query link against a running server, unchanged but for recording requests.
// Usage: node apollo_apq.mjs GRAPHQL_URL ACCESS_TOKEN; prints {"results": [...], "requests": [...]} as JSON.
import { createHash } from "node:crypto";
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";

const [url, token] = process.argv.slice(2);
const requests = [];
const recordingFetch = async (input, init) => {
  const target = new URL(String(input));
  const response = await fetch(input, init);
  requests.push({
    method: init?.method ?? "GET",
    hasQuery: target.searchParams.has("query") || String(init?.body ?? "").includes('"query"'),
    extensions: target.searchParams.get("extensions") ?? null,
    status: response.status,
  });
  return response;
};

const sha256 = (text) => createHash("sha256").update(text).digest("hex");
const link = new PersistedQueryLink({ sha256, useGETForHashedQueries: true }).concat(
  new HttpLink({ uri: url, fetch: recordingFetch, headers: { authorization: `Bearer ${token}` } }),
);
const client = new ApolloClient({ link, cache: new InMemoryCache() });
const ME = gql`query Me { me { userID userName email } }`;

const results = [];
for (let round = 0; round < 2; round++) {
  const { data } = await client.query({ query: ME, fetchPolicy: "network-only" });
  results.push(data);
}
console.log(JSON.stringify({ results, requests }));
