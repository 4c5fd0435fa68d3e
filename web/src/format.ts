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

/**
 * A store category as words: the seed's codes ("CHICKEN", "KOREAN_BBQ") become "Chicken" and
 * "Korean bbq"; a category an owner typed in mixed case ("Korean BBQ") is shown as typed.
 */
export function formatCategory(category: string): string {
  if (category !== category.toUpperCase()) return category;
  const words = category
    .toLowerCase()
    .split(/[_\s]+/)
    .filter(Boolean)
    .join(' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** "1 item", "3 items": `noun` with an s unless there is exactly one. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
