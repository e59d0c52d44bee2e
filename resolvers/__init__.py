"""Thin resolvers, a module per capability: unpack the input, call a service, map the result.

Query and Mutation are assembled here from each module's part.
"""

import strawberry

from resolvers.accounts import AccountMutation, AccountQuery
from resolvers.authentication import AuthenticationMutation
from resolvers.data_exports import DataExportMutation, DataExportQuery
from resolvers.email_undo import EmailUndoMutation
from resolvers.lifecycle import LifecycleMutation
from resolvers.nodes import NodeQuery
from resolvers.passkeys import PasskeyMutation, PasskeyQuery
from resolvers.pictures import PictureMutation
from resolvers.providers import ProviderMutation, ProviderQuery
from resolvers.recovery import RecoveryMutation
from resolvers.security import SecurityMutation, SecurityQuery
from resolvers.sign_in_codes import SignInCodeMutation
from resolvers.social import SocialMutation, SocialQuery
from resolvers.two_factor import TwoFactorMutation
from resolvers.webhooks import WebhookMutation, WebhookQuery
from schema.fresh_reads import reads_afresh


@strawberry.type(
    description="Reading users. Every failure is an error with a stable extensions.code (see README, Errors); "
    "any operation may also fail with GRAPHQL_PARSE_FAILED (a syntax error), GRAPHQL_VALIDATION_FAILED (a "
    "document the schema or its limits refuse), BAD_USER_INPUT (a variable's value that does not fit its type), "
    "and INTERNAL_SERVER_ERROR when something unexpected breaks."
)
class Query(
    AccountQuery,
    SocialQuery,
    SecurityQuery,
    NodeQuery,
    PasskeyQuery,
    ProviderQuery,
    DataExportQuery,
    WebhookQuery,
):
    pass


@reads_afresh  # every mutation field drops what the request read about people before it
@strawberry.type(
    description="Creating, signing in to, changing and deleting accounts. Every failure is an error with a "
    "stable extensions.code and, where one input field is at fault, extensions.field (see README, Errors); "
    "every input field or argument that breaks a rule is its own error, in the order they are declared. Any "
    "operation may also fail with GRAPHQL_PARSE_FAILED (a syntax error), GRAPHQL_VALIDATION_FAILED (a document "
    "the schema or its limits refuse), BAD_USER_INPUT (a variable's value that does not fit its type), and "
    "INTERNAL_SERVER_ERROR when something unexpected breaks."
)
class Mutation(
    AccountMutation,
    AuthenticationMutation,
    SocialMutation,
    SecurityMutation,
    LifecycleMutation,
    RecoveryMutation,
    EmailUndoMutation,
    TwoFactorMutation,
    SignInCodeMutation,
    PasskeyMutation,
    ProviderMutation,
    DataExportMutation,
    PictureMutation,
    WebhookMutation,
):
    pass


__all__ = ["Mutation", "Query"]
