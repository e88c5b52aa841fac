// The Redis layout of the Python service this gateway replaces; both can read each other's keys.

export const REVOKED_TOKEN_PREFIX = 'revoked_token:'
export const USER_MARKER_PREFIX = 'user_tokens:'
/** `revoked_token:{id}` = "revoked", expiring when the token would have expired. */
export const revokedTokenKey = (tokenId: string): string => `${REVOKED_TOKEN_PREFIX}${tokenId}`
/** `user_tokens:{sub}` = the revoke-all time as an ISO 8601 timestamp. */
export const userMarkerKey = (sub: string): string => `${USER_MARKER_PREFIX}${sub}`
export const REVOKED_VALUE = 'revoked'
export const REVOKED_SESSION_PREFIX = 'revoked_session:'
/** `revoked_session:{sid}` = the session's revocation time as an ISO 8601 timestamp, like `user_tokens`. */
export const revokedSessionKey = (sid: string): string => `${REVOKED_SESSION_PREFIX}${sid}`
export const REVOKED_EMAIL_PREFIX = 'revoked_email:'
/** `revoked_email:{email}` = the email's revocation time as an ISO 8601 timestamp, like `user_tokens`; the email lower-cased. */
export const revokedEmailKey = (email: string): string => `${REVOKED_EMAIL_PREFIX}${email}`
