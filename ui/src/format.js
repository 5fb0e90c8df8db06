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
