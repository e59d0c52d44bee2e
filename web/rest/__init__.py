"""The REST door: the seed API's routes (``POST /register``, ``POST /login``, ``PUT /user/profile``,
``/api/register``, ``/api/users/{userName}``, ``/api/me``) beside /graphql, and ``GET /openapi.json``.

Each route runs one stored GraphQL document (web/rest/documents.py) through the GraphQL view's own execution
path (web.graphql_view.GraphQLApp.execute_stored), so REST cannot drift from GraphQL: the same services, rules,
guards, throttles, error codes, access-log line and metrics. The door only maps JSON body fields to GraphQL
variables (web/rest/endpoints.py), and GraphQL's answer to a status and a JSON body (web/rest/answers.py).
"""
