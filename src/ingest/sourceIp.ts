/** The peer address as people write it: an IPv4 peer on a dual-stack socket shows as `::ffff:a.b.c.d`. */
export const normalizeSourceIp = (address: string | null): string | null =>
  address === null ? null : address.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, "$1")
