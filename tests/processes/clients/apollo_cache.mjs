// Apollo Client with its default InMemoryCache (no typePolicies) against a running server: a cached `me`, then
// updateProfile(bio:), then `me` again from the cache, as a page would render it.
// Usage: node apollo_cache.mjs GRAPHQL_URL ACCESS_TOKEN KEY_FIELD; KEY_FIELD is "id" (the global id) or "userID"
// (what a client could select before User had an id). Prints {"before", "updated", "cached", "keys"} as JSON.
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";

const [url, token, key] = process.argv.slice(2);
const client = new ApolloClient({
  link: new HttpLink({ uri: url, headers: { authorization: `Bearer ${token}` } }),
  cache: new InMemoryCache(),
});
const ME = gql(`query Me { me { ${key} userName bio } }`);
const UPDATE = gql(`mutation Bio($bio: String) { updateProfile(input: { bio: $bio }) { ${key} bio } }`);

const before = (await client.query({ query: ME })).data.me;
const updated = (await client.mutate({ mutation: UPDATE, variables: { bio: "Updated from the client." } })).data
  .updateProfile;
// cache-first, Apollo's default: what a component showing `me` renders now, without asking the server.
const cached = (await client.query({ query: ME, fetchPolicy: "cache-first" })).data.me;
console.log(JSON.stringify({ before, updated, cached, keys: Object.keys(client.cache.extract()).sort() }));
