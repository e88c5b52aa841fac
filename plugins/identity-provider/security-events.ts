import type { SecurityEventDetails } from '../revocation/revocation-events.js'
import { isJsonObject } from './provider-keys.js'
import { SetError, type SecurityEvent } from './security-event-token.js'

const CAEP = 'https://schemas.openid.net/secevent/caep/event-type/'
const RISC = 'https://schemas.openid.net/secevent/risc/event-type/'
export const SESSION_REVOKED = `${CAEP}session-revoked`
const CREDENTIAL_CHANGE = `${CAEP}credential-change`
/** RISC events after which none of the user's tokens may pass. */
const USER_ENDING_EVENTS = new Set(['account-disabled', 'account-purged', 'credential-compromise', 'sessions-revoked'].map((name) => `${RISC}${name}`))
/** CAEP credential-change `change_type`s that end the credential, and with it the user's tokens. */
const ENDING_CHANGES = new Set(['revoke', 'delete'])

/** A sub or sid as the transmitter names it, and the issuer it belongs to. */
export interface SubjectId {
  id: string
  issuer: string
  /** The id is an email (an `email` subject, matched on the claim SSF_EMAIL_CLAIM names), not a sub. */
  email?: true
}

/** What an event asks the gateway to revoke. */
export interface SubjectRevocation {
  kind: 'user' | 'session' | 'email'
  subject: SubjectId
  /** The user of a revoked session, when the subject names it too (for the audit trail). */
  user?: SubjectId
  event: SecurityEventDetails
}

/** Each event of a SET: what it revokes, or why it revokes nothing. */
export type EventReading = { type: string, revocation: SubjectRevocation } | { type: string, ignored: string }

/**
 * Reads a SET's events. Acted on: CAEP session-revoked (a session subject ends the session, a
 * user subject the user), CAEP credential-change with change_type revoke or delete, and RISC
 * account-disabled, account-purged, credential-compromise, sessions-revoked (the user). Any other
 * event is ignored. `subjectIssuers` (JWT_ISSUER) are the only issuers an `iss_sub` may name.
 * An `email` subject (simple, or a complex subject's user) revokes that email when `matchEmails`
 * (SSF_EMAIL_CLAIM set), and is ignored otherwise.
 * Throws a SetError for an acted-on event whose subject is malformed or not the transmitter's to name.
 */
export function readSecurityEvents (set: SecurityEvent, subjectIssuers: readonly string[], matchEmails: boolean): EventReading[] {
  return Object.entries(set.events).map(([type, event]) => {
    const endsUser = USER_ENDING_EVENTS.has(type) || (type === CREDENTIAL_CHANGE && ENDING_CHANGES.has(event.change_type as string))
    if (type !== SESSION_REVOKED && !endsUser) return { type, ignored: type === CREDENTIAL_CHANGE ? `change_type ${String(event.change_type)} leaves the credential usable` : 'not an event the gateway acts on' }
    const { user, session, ignored } = subjectOf(event.subject ?? set.subId, set.iss, subjectIssuers, matchEmails)
    const details = detailsOf(type, event)
    // A user event naming only a session ends that session: the only tokens of the user it names.
    if (session !== undefined && (type === SESSION_REVOKED || user === undefined)) return { type, revocation: { kind: 'session', subject: session, ...(user !== undefined && { user }), event: details } }
    if (user !== undefined) return { type, revocation: { kind: user.email === true ? 'email' : 'user', subject: user, event: details } }
    return { type, ignored: ignored as string }
  })
}

interface Subject { user?: SubjectId, session?: SubjectId, ignored?: string }

/** An SSF subject: a simple subject identifier (the user), or a complex one with `user` and/or `session`. */
function subjectOf (subject: unknown, setIssuer: string, subjectIssuers: readonly string[], matchEmails: boolean): Subject {
  if (!isJsonObject(subject)) throw new SetError('invalid_request', 'the event has no subject (sub_id, or the event\'s subject)')
  const isComplex = subject.format === 'complex' || (subject.format === undefined && (subject.user !== undefined || subject.session !== undefined))
  if (!isComplex) return fromParts(subjectIdOf(subject, setIssuer, subjectIssuers, matchEmails), undefined)
  if (subject.user === undefined && subject.session === undefined) throw new SetError('invalid_request', 'a complex subject needs a user or a session member')
  return fromParts(
    subject.user === undefined ? undefined : subjectIdOf(subject.user, setIssuer, subjectIssuers, matchEmails),
    // An email names a person, never a session: a session member in that format is not matched.
    subject.session === undefined ? undefined : subjectIdOf(subject.session, setIssuer, subjectIssuers, false)
  )
}

function fromParts (user: SubjectId | string | undefined, session: SubjectId | string | undefined): Subject {
  return {
    ...(typeof user === 'object' && { user }),
    ...(typeof session === 'object' && { session }),
    ...(typeof user === 'string' && { ignored: user }),
    ...(typeof session === 'string' && { ignored: session })
  }
}

/** One subject identifier (RFC 9493): the id and its issuer, or why it cannot be matched to tokens. */
function subjectIdOf (identifier: unknown, setIssuer: string, subjectIssuers: readonly string[], matchEmails: boolean): SubjectId | string {
  if (!isJsonObject(identifier) || typeof identifier.format !== 'string') throw new SetError('invalid_request', 'a subject identifier must be a JSON object with a format')
  const { format } = identifier
  if (format === 'iss_sub') {
    const { iss, sub } = identifier
    if (typeof iss !== 'string' || typeof sub !== 'string' || sub === '') throw new SetError('invalid_request', 'an iss_sub subject needs iss and sub strings')
    // The transmitter may speak for the gateway's own issuers only: it must not end another issuer's users.
    if (subjectIssuers.length > 0 && !subjectIssuers.includes(iss)) throw new SetError('access_denied', `the subject's issuer "${iss}" is not one of JWT_ISSUER`)
    return { id: sub, issuer: iss }
  }
  if (format === 'opaque') {
    if (typeof identifier.id !== 'string' || identifier.id === '') throw new SetError('invalid_request', 'an opaque subject needs an id string')
    return { id: identifier.id, issuer: setIssuer }
  }
  if (format === 'email' && matchEmails) {
    if (typeof identifier.email !== 'string' || identifier.email === '') throw new SetError('invalid_request', 'an email subject needs an email string')
    return { id: identifier.email, issuer: setIssuer, email: true }
  }
  return `subject format "${format}" is not matched to tokens`
}

function detailsOf (type: string, event: Record<string, unknown>): SecurityEventDetails {
  const { initiating_entity: entity, reason_admin: reason, event_timestamp: timestamp } = event
  return {
    type,
    ...(typeof entity === 'string' && { initiating_entity: entity }),
    ...((typeof reason === 'string' || isJsonObject(reason)) && { reason_admin: reason }),
    ...(typeof timestamp === 'number' && { event_timestamp: timestamp })
  }
}
