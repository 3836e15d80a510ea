/**
 * Reads a token's claims without verifying it: only to explain ahead of time why Graph will refuse it.
 * Nothing is decided on these claims' authority; Graph's answer is what the report rests on.
 */

/** The JWT payload, or undefined when the token is not a readable JWT. */
export function decodeClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return payload && typeof payload === 'object' && !Array.isArray(payload) ? (payload as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The `roles` claim's strings; null when there is no roles claim (the sign of missing admin consent). */
export function rolesOf(claims: Record<string, unknown>): string[] | null {
  const roles = claims.roles;
  if (!Array.isArray(roles)) return null;
  return roles.filter((r): r is string => typeof r === 'string');
}
