// When to renew a certificate.

/**
 * notAfter - renewBefore, never earlier than a third into the lifetime, so that a certificate is
 * never due (almost) as soon as it is issued. When renewBefore is not shorter than the lifetime,
 * renew at 2/3 of the lifetime: cert-manager's rule for the same case.
 */
export function computeRenewalTime(notBefore: Date, notAfter: Date, renewBeforeMs: number): Date {
  const lifetime = notAfter.getTime() - notBefore.getTime();
  if (renewBeforeMs >= lifetime) return new Date(notBefore.getTime() + Math.floor((lifetime * 2) / 3));
  const earliest = notBefore.getTime() + Math.floor(lifetime / 3);
  return new Date(Math.max(earliest, notAfter.getTime() - renewBeforeMs));
}
