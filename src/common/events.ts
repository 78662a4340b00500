/**
 * Event names and payloads shared between modules that may not import each other (the emitter
 * knows nothing about its listeners).
 */

/** Emitted and awaited by auth after a successful login or register; the cart merges the guest session. */
export const SIGNED_IN = 'auth.signed-in';
export interface SignedInEvent {
  customerId: string;
  /** The X-Session-Id sent with the request, unvalidated. */
  sessionId?: string;
}
