const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatInteger(n) {
  return Number.isFinite(n) ? integer.format(n) : '–';
}

export function formatMoney(amount, currency = 'USD') {
  if (!Number.isFinite(amount)) return '–';
  try {
    return new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency,
      maximumFractionDigits: 0,
    }).format(amount);
  } catch {
    // Unknown currency code: show the code beside the number.
    return `${integer.format(amount)} ${currency}`;
  }
}

// "accounts" -> "Accounts", "open_amount" -> "Open amount"
export function humanize(key) {
  const s = String(key).replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// A duration given in minutes, in the unit a person reads it in:
// "45 min", "5.2 h", "3.7 d" (callers put the exact minutes in a tooltip).
export function formatMinutes(minutes) {
  if (!Number.isFinite(minutes)) return '–';
  if (minutes < 60) return `${Math.round(minutes)} min`;
  if (minutes < 48 * 60) return `${(minutes / 60).toFixed(1)} h`;
  return `${(minutes / 1440).toFixed(1)} d`;
}
