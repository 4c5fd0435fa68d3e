const won = new Intl.NumberFormat('ko-KR');

/** 19000 → "₩19,000". */
export function formatWon(amount: number): string {
  return `₩${won.format(amount)}`;
}

/** An ISO time as "14:05:09" (local time). */
export function formatTime(iso: string): string {
  return new Date(iso).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** An ISO time as "3 Dec, 14:05". */
export function formatDateTime(iso: string): string {
  return new Date(iso).toLocaleString('en-GB', {
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
  });
}

/** The short form of an order id people can read out ("#A1B2C3"). */
export function shortId(id: string): string {
  return `#${id.replace(/-/g, '').slice(-6).toUpperCase()}`;
}
