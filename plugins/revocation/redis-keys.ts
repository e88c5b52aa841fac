// The Redis layout of the Python service this gateway replaces; both can read each other's keys.

/** `revoked_token:{id}` = "revoked", expiring when the token would have expired. */
export const revokedTokenKey = (tokenId: string): string => `revoked_token:${tokenId}`
/** `user_tokens:{sub}` = the revoke-all time as an ISO 8601 timestamp. */
export const userMarkerKey = (sub: string): string => `user_tokens:${sub}`
export const REVOKED_VALUE = 'revoked'
