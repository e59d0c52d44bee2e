"""The GraphQL documents the REST door runs: one per route, named Rest* (the access log's and the metrics'
operation name). They are trusted documents: parsed and validated with every guard once, at start-up.

Every User answer selects the same fields (the seed's User and UserProfile models), so the OpenAPI document has
one User schema (web/rest/openapi.py checks it)."""

from __future__ import annotations

USER = """userID userName firstName lastName email phoneNumber bio profileImage followersCount followingCount
    createdAt accountDeleted profile { website gender pushNotifications accountPrivacy verified }"""
SESSION = f"accessToken tokenType expiresIn refreshToken refreshExpiresIn user {{ {USER} }}"

REGISTER = f"""mutation RestRegister($input: RegisterInput!) {{
  register(input: $input) {{ {SESSION} }}
}}"""
LOGIN = f"""mutation RestLogin($userName: String!, $password: String!, $otp: String) {{
  login(userName: $userName, password: $password, otp: $otp) {{ {SESSION} }}
}}"""
UPDATE_PROFILE = f"""mutation RestUpdateProfile($input: UpdateUserInput!) {{
  updateProfile(input: $input) {{ {USER} }}
}}"""
UPDATE_USER = f"""mutation RestUpdateUser($userName: String!, $input: UpdateUserInput!) {{
  updateUser(userName: $userName, input: $input) {{ {USER} }}
}}"""
DELETE_USER = """mutation RestDeleteUser($userName: String!, $password: String) {
  deleteUser(userName: $userName, password: $password) { userID userName }
}"""
USER_BY_NAME = f"""query RestUser($userName: String!) {{
  user(userName: $userName) {{ {USER} }}
}}"""
ME = f"""query RestMe {{
  me {{ {USER} }}
}}"""
SET_PROFILE_IMAGE = f"""mutation RestSetProfileImage($userName: String!, $file: Upload!) {{
  setProfileImage(userName: $userName, file: $file) {{ {USER} }}
}}"""
REMOVE_PROFILE_IMAGE = f"""mutation RestRemoveProfileImage($userName: String!) {{
  removeProfileImage(userName: $userName) {{ {USER} }}
}}"""

ALL = (
    REGISTER,
    LOGIN,
    UPDATE_PROFILE,
    UPDATE_USER,
    DELETE_USER,
    USER_BY_NAME,
    ME,
    SET_PROFILE_IMAGE,
    REMOVE_PROFILE_IMAGE,
)


def name_of(document: str) -> str:
    """The document's operation name: ``mutation RestLogin(...)`` -> RestLogin."""
    return document.split("(")[0].split("{")[0].split()[1]
