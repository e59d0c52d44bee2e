"""Messages about malformed input that never repeat the input's values.

graphql-core quotes the value it could not use: ``Expected value of type 'RegisterInput' not to include
unknown field 'emial'. Did you mean 'email'? Found: { userName: "a", password: "b", emial: "x" }.``,
``Variable '$i' has invalid value at .password: String cannot represent a non string value: 12345``,
``Syntax Error: Expected Name, found String 'hunter2'.`` A password would go back in the response (and into
any log of it). Every such message is rewritten here, in every environment, keeping what helps a client:
which field is unknown, missing or of the wrong type (also as ``extensions.field`` when it can be told),
the expected type and the "Did you mean" hint, which name only the schema's fields. Names the client typed
(an unknown field's name) stay; values go.
"""

from __future__ import annotations

import re

from graphql import GraphQLError

# "Variable '$i' has invalid value at .input[0].password: <inner>" (the path names schema fields only).
_WRAPPED = re.compile(r"(?P<head>.*? has invalid value)(?P<at> at (?P<path>(?:\.\w+|\[\d+\])+))?: (?P<inner>.*)", re.S)
# Each is cut at the value: graphql-core's forms from validate_input_value, value by value.
_UNKNOWN = re.compile(
    r"(?P<keep>Expected value of type '[^']*' not to include unknown field '(?P<field>.*?)')"
    r"(?:\.(?P<hint> Did you mean [^?]*\?) Found|, found): .*",
    re.S,
)
_REQUIRED = re.compile(
    r"(?P<keep>Expected value of type '[^']*' to include required field '(?P<field>\w+)'), found: .*", re.S
)
_EXPECTED = re.compile(
    r"(?P<keep>Expected value of type '[^']*'(?: to be an object)?)(?:, but encountered error |, found: ).*", re.S
)
_CANNOT_REPRESENT = re.compile(r"(?P<keep>.*? cannot represent(?: an?)?(?: [-\w ]+?)? value): .*", re.S)
_NO_SUCH_ENUM_VALUE = re.compile(
    r"Value .* does not exist in '(?P<enum>\w+)' enum\.(?P<hint> Did you mean [^?]*\?)?", re.S
)
_FOUND = re.compile(r"[,.;]? ?[Ff]ound: .*", re.S)
# Syntax errors describe the token they stopped at: "found String 'hunter2'", "Unexpected Int '5'".
_TOKEN_VALUE = re.compile(r"\b(?P<kind>String|BlockString|Int|Float) '.*'(?=\.\s*(?:\n|$))")
_ESCAPE = re.compile(r"(?P<keep>Invalid (?:Unicode|character) escape sequence): '.*?'\.")
# Where a literal's value starts, the name before it: `password: 5` names password.
_NAME_BEFORE = re.compile(r"(\w+)\s*:\s*$")


def without_values(error: GraphQLError) -> tuple[str, str | None]:
    """The error's message with no input value in it, and the input field at fault when it can be told."""
    message = error.message
    if message.startswith("Syntax Error:"):
        message = _TOKEN_VALUE.sub(r"\g<kind>", message)
        return _ESCAPE.sub(r"\g<keep>.", message), None
    wrapped = _WRAPPED.fullmatch(message)
    if wrapped:
        inner, field = _inner(wrapped["inner"])
        path_field = re.findall(r"\.(\w+)", wrapped["path"] or "")
        return f"{wrapped['head']}{wrapped['at'] or ''}: {inner}", field or (path_field[-1] if path_field else None)
    inner, field = _inner(message)
    if field is None and inner != message:  # a literal's value was refused: the name written before it
        field = _literal_field(error)
    return inner, field


def _inner(message: str) -> tuple[str, str | None]:
    found = _UNKNOWN.fullmatch(message)
    if found:
        return f"{found['keep']}.{found['hint'] or ''}", found["field"]
    found = _REQUIRED.fullmatch(message)
    if found:
        return f"{found['keep']}.", found["field"]
    found = _NO_SUCH_ENUM_VALUE.fullmatch(message)
    if found:
        return f"The value does not exist in '{found['enum']}' enum.{found['hint'] or ''}", None
    for form in (_EXPECTED, _CANNOT_REPRESENT):
        found = form.fullmatch(message)
        if found:
            return f"{found['keep']}.", None
    return _FOUND.sub(".", message), None


def _literal_field(error: GraphQLError) -> str | None:
    """The argument or input field a literal value was given for, read from the document before it."""
    if error.source is None or not error.positions:
        return None
    start = next(iter(error.positions))
    before = _NAME_BEFORE.search(error.source.body[max(0, start - 200) : start])
    return before.group(1) if before else None
