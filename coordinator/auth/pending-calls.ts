/**
 * Calls not yet authenticated, counted per source address: from their headers until their first
 * message is admitted, or until they end. A stranger's calls cost memory for as long as they wait
 * (at most the first-message timeout); this bounds how many one address may have waiting at once.
 */
export class PendingCalls {
  private readonly perAddress = new Map<string, number>();

  constructor(readonly maxPerAddress: number) {}

  /** Counts a new call from `peer` (grpc-js `host:port`); returns its release (idempotent), or null when the address is at its cap. */
  enter(peer: string): (() => void) | null {
    const address = addressOf(peer);
    const waiting = this.perAddress.get(address) ?? 0;
    if (waiting >= this.maxPerAddress) return null;
    this.perAddress.set(address, waiting + 1);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const remaining = (this.perAddress.get(address) ?? 1) - 1;
      if (remaining > 0) this.perAddress.set(address, remaining);
      else this.perAddress.delete(address);
    };
  }

  /** Calls waiting now from `address`. */
  waitingFrom(address: string): number {
    return this.perAddress.get(address) ?? 0;
  }
}

/** `127.0.0.1` from `127.0.0.1:5051`, `::1` from `::1:5051` or `[::1]:5051`; IPv4-mapped IPv6 addresses as IPv4. */
export function addressOf(peer: string): string {
  const colon = peer.lastIndexOf(':');
  const host = colon > 0 && /^\d+$/.test(peer.slice(colon + 1)) ? peer.slice(0, colon) : peer;
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return bare.startsWith('::ffff:') ? bare.slice('::ffff:'.length) : bare;
}
