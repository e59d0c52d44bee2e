"""The example requests of the two seed API documents, copied verbatim (CI runs on a clean clone, without them).

Sources: shared/seeds/000_bfa5d4f334785f6d.txt (the "Example Request:" blocks: method and path, headers, JSON
body) and shared/seeds/001_81476571b3ccc7f9.txt (curl commands). "[email protected]" is in the seed as
written (a Cloudflare email-obfuscation artifact where an address was); so is everything else, placeholders
included. ``requests`` turns each into what curl (or any client) would send: method, path, headers, body.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from urllib.parse import urlsplit

SEED_000 = [
    """POST /register
Content-Type: application/json
{
"username": "john_doe",
"password": "secure_password123",
"email": "john@example.com"
}""",
    """POST /login
Content-Type: application/json
{
"username": "john_doe",
"password": "secure_password123"
}""",
    """PUT /user/profile
Content-Type: application/json
Authorization: Bearer <access_token>
{
"name": "John Doe",
"email": "john.doe@example.com",
"bio": "Developer and tech enthusiast."
}""",
]

SEED_001 = [
    """curl -X POST https://api.example.com/api/register \\
-H "Content-Type: application/json" \\
-d '{
"userName": "johndoe",
"firstName": "John",
"lastName": "Doe",
"passwordHash": "securePassword123",
"email": "[email protected]",
"phoneNumber": "+1234567890"
}'""",
    """curl -X PUT https://api.example.com/api/users/johndoe \\
-H "Content-Type: application/json" \\
-H "Authorization: Bearer YOUR_JWT_TOKEN" \\
-d '{
"firstName": "Jonathan",
"bio": "Software developer and coffee enthusiast",
"website": "https://johndoe.dev",
"accountPrivacy": true
}'""",
    """curl -X PUT https://api.example.com/api/users/johndoe \\
-H "Content-Type: application/json" \\
-H "Authorization: Bearer YOUR_JWT_TOKEN" \\
-d '{
"providedOldPassword": "currentPassword123",
"providedNewPassword": "newSecurePassword456"
}'""",
    'curl -X DELETE https://api.example.com/api/users/johndoe \\\n-H "Authorization: Bearer YOUR_JWT_TOKEN"',
]

TOKEN_PLACEHOLDERS = ("<access_token>", "YOUR_JWT_TOKEN")


@dataclass(frozen=True)
class Example:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None

    def with_token(self, token: str) -> Example:
        """The example as sent with a real access token in place of the seed's placeholder."""
        headers = {}
        for name, value in self.headers.items():
            for placeholder in TOKEN_PLACEHOLDERS:
                value = value.replace(placeholder, token)
            headers[name] = value
        return Example(self.method, self.path, headers, self.body)


def from_http(text: str) -> Example:
    """Seed 000's form: the request line, header lines, then the JSON body."""
    lines = text.splitlines()
    method, path = lines[0].split()
    headers = {}
    index = 1
    while ":" in lines[index] and not lines[index].startswith("{"):
        name, _, value = lines[index].partition(":")
        headers[name.strip()] = value.strip()
        index += 1
    body = "\n".join(lines[index:]).encode()
    return Example(method, path, headers, body or None)


def from_curl(text: str) -> Example:
    """Seed 001's form: ``curl -X METHOD URL -H "Name: value" ... -d 'body'``, read as a shell reads it."""
    words = shlex.split(text.replace("\\\n", " "))
    if words[0] != "curl":
        raise ValueError(text)
    method, url, headers, body = "GET", "", {}, None
    index = 1
    while index < len(words):
        word = words[index]
        if word == "-X":
            method = words[index + 1]
            index += 2
        elif word == "-H":
            name, _, value = words[index + 1].partition(":")
            headers[name.strip()] = value.strip()
            index += 2
        elif word == "-d":
            body = words[index + 1].encode()
            method = method if "-X" in words else "POST"
            index += 2
        else:
            url = word
            index += 1
    return Example(method, urlsplit(url).path, headers, body)


def requests() -> tuple[list[Example], list[Example]]:
    """Seed 000's and seed 001's examples, in the documents' order."""
    return [from_http(text) for text in SEED_000], [from_curl(text) for text in SEED_001]
