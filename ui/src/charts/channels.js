// Stable colors per marketing channel, so a channel looks the same on every chart.
const channelColors = {
  direct: '#64748b',
  organic_search: '#16a34a',
  paid_search: '#2563eb',
  display: '#7c3aed',
  paid_social: '#db2777',
  organic_social: '#f472b6',
  email: '#0891b2',
  referral: '#ca8a04',
  affiliate: '#a16207',
  video: '#dc2626',
  events: '#ea580c',
  webinar: '#f59e0b',
  content_syndication: '#0d9488',
  partner: '#4f46e5',
  direct_mail: '#9333ea',
  sales_outreach: '#0f766e',
  review_sites: '#65a30d',
  other: '#94a3b8',
};

const fallback = ['#1d4ed8', '#059669', '#d97706', '#be123c', '#6d28d9', '#0e7490', '#4d7c0f'];

export function channelColor(channel, index) {
  return channelColors[channel] ?? fallback[index % fallback.length];
}

export function channelLabel(channel) {
  const s = String(channel || 'unknown').replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}
