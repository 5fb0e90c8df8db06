// The dashboard's pages, in sidebar order. Each capability is one module in this
// folder that default-exports a page definition:
//   { id, title, icon, summary, component }
// `id` is the hash route (#/<id>). To add a page: create the module, import it here
// and add it to the list.
import overview from './overview.jsx';
import stack from './stack.jsx';
import quality from './quality.jsx';
import campaigns from './campaigns.jsx';
import attribution from './attribution.jsx';
import leads from './leads.jsx';
import analytics from './analytics.jsx';
import events from './events.jsx';
import audit from './audit.jsx';

export const pages = [overview, stack, quality, campaigns, attribution, leads, analytics, events, audit];

export const defaultPageId = overview.id;

export function findPage(id) {
  return pages.find((p) => p.id === id) ?? null;
}
